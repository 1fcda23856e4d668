"""The header part of the compose form as HTML fields: the link, the type, the references and, for
a type with a lead time, the late justification (names as in `header`).

The type is chosen among the types of the chosen link's profile (a page without JavaScript picks
the link first, then renders this again); titles in the console's language, Russian for uz and az.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from markupsafe import Markup

from gateway.forms.header import LATE, REFERENCES, Destination, link_value, offers_late
from gateway.forms.posted import Problem
from gateway.forms.widgets import Wording
from gateway.profiles import Profile


def render_header(
    links: Iterable[Destination],
    profiles: Mapping[str, Profile],
    values: Mapping[str, str],
    say: Wording,
    problems: Sequence[Problem] = (),
) -> Markup:
    links = list(links)
    chosen = next((link for link in links if link_value(link) == values.get("link")), None)
    link_options = [
        (
            link_value(link),
            say.words(
                "compose.link_option", side=say.words(f"compose.side.{link.peer}"), profile=link.profile
            ),
        )
        for link in links
    ]
    parts = [_select("link", say, link_options, values, problems, required=True)]
    profile = profiles.get(chosen.profile) if chosen is not None else None
    if profile is None:
        return Markup("").join(parts)
    lang = say.lang
    types = [(name, spec.title.get(lang) or spec.title["ru"]) for name, spec in profile.types.items()]
    parts.append(_select("type", say, types, values, problems, required=True))
    for key in REFERENCES:
        parts.append(_input(key, say, values, problems))
    spec = profile.types.get(values.get("type", ""))
    if spec is not None and offers_late(spec):
        parts.append(_input(LATE, say, values, problems, multiline=True))
    return Markup("").join(parts)


def _wrap(name: str, say: Wording, control: Markup, problems: Sequence[Problem], required: bool) -> Markup:
    mark = Markup("")
    if required:
        mark = Markup(' <abbr class="required" title="{}">{}</abbr>').format(
            say.words("compose.required"), say.words("compose.required_mark")
        )
    errors = Markup("").join(
        Markup('<p class="problem" id="e-{}">{}</p>').format(name, say.words(f"compose.rule.{p.rule.value}"))
        for p in problems
        if p.name == name
    )
    return Markup(
        '<div class="field"><label for="f-{}">{}{}</label>{}<p class="hint" id="h-{}">{}</p>{}</div>'
    ).format(
        name,
        say.words(f"compose.field.{name}"),
        mark,
        control,
        name,
        say.words(f"compose.hint.{name}"),
        errors,
    )


def _attributes(name: str, problems: Sequence[Problem], required: bool) -> Markup:
    attributes = Markup(' id="f-{}" name="{}" aria-describedby="h-{}"').format(name, name, name)
    if required:
        attributes += Markup(' aria-required="true"')
    if any(p.name == name for p in problems):
        attributes += Markup(' aria-invalid="true"')
    return attributes


def _select(
    name: str,
    say: Wording,
    options: Sequence[tuple[str, str]],
    values: Mapping[str, str],
    problems: Sequence[Problem],
    required: bool,
) -> Markup:
    chosen = values.get(name, "")
    shown = [("", say.words("compose.choose")), *options]
    body = Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(
            value, Markup(" selected") if value == chosen else Markup(""), text
        )
        for value, text in shown
    )
    control = Markup("<select{}>{}</select>").format(_attributes(name, problems, required), body)
    return _wrap(name, say, control, problems, required)


def _input(
    name: str, say: Wording, values: Mapping[str, str], problems: Sequence[Problem], multiline: bool = False
) -> Markup:
    attributes = _attributes(name, problems, required=False)
    value = values.get(name, "")
    if multiline:
        control = Markup('<textarea{} rows="3">\n{}</textarea>').format(attributes, value)
    else:
        control = Markup('<input type="text"{} value="{}">').format(attributes, value)
    return _wrap(name, say, control, problems, required=False)
