"""What a browser posts for a rendered compose form, read with lxml.html (no browser needed)."""

from __future__ import annotations

import lxml.html
from markupsafe import Markup

from gateway.console.i18n import catalogue
from gateway.forms.widgets import Wording
from gateway.labels import load_labels


def page_of(fields: Markup) -> lxml.html.FormElement:
    form = lxml.html.fromstring(f'<form method="post">{fields}</form>')
    assert isinstance(form, lxml.html.FormElement)
    return form


def names_of(form: lxml.html.FormElement) -> set[str]:
    return {str(node.get("name")) for node in form.iter("input", "select", "textarea")}


def posted(form: lxml.html.FormElement) -> list[tuple[str, str]]:
    """The form's successful controls as a browser submits them. HTML drops the one line break that
    follows <textarea>'s start tag; libxml2 keeps it, so it is dropped here."""
    textareas = {node.get("name") for node in form.iter("textarea")}
    return [
        (name, value[1:] if name in textareas and value.startswith("\n") else value)
        for name, value in form.form_values()
    ]


def wording(lang: str) -> Wording:
    return Wording(lang, catalogue(lang), load_labels())
