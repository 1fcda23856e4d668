"""The compose form as HTML fields (Markup): what the console's compose page puts in its <form>.

Every field has a <label for>, a required one `aria-required` and a visible mark; a group is a
<fieldset> with its <legend>; an enumeration, a boolean and a district are <select>s (districts by
side in <optgroup>s). A repeated group shows its items at the indices posted (or prefilled) and an
"add another" submit button (`name="add"`, value: the list's name) that makes the server render one
more slot: no JavaScript needed. Clearing an item's fields removes it (`posted.decode` drops empty
items). The HTML `required` attribute is not used: a spare slot must stay blank, and the server
checks anyway. Hints name the restrictions; problems from `posted.decode` show next to the field.

Words come from the console catalogue (`compose.*`); field and value labels from config/labels, which
has all five of the console's languages (Russian for any other).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from gateway.forms.model import Field, Form, Kind
from gateway.forms.posted import Problem
from gateway.labels import LANGUAGES as LABEL_LANGUAGES
from gateway.labels import Labels

_GENERIC_PATTERNS = {r"\S(.|\n)*", ".+T.+Z", ".+Z"}  # "not blank" and "UTC": said by other hints
_TEXT_INPUT = Markup(' type="text"')
_INPUTS = {
    Kind.DATE: Markup(' type="date"'),
    Kind.DATETIME: Markup(' type="datetime-local" step="1"'),
    Kind.INTEGER: Markup(' type="text" inputmode="numeric"'),
    Kind.DECIMAL: Markup(' type="text" inputmode="decimal"'),
}


@dataclass(frozen=True)
class Wording:
    """What the renderer says: the console catalogue (`compose.*` keys) and the field labels."""

    lang: str
    words: Callable[..., str]  # a gateway.console.i18n.Catalogue
    labels: Labels

    def label(self, key: str) -> str:
        lang = self.lang if self.lang in LABEL_LANGUAGES else "ru"
        entry = self.labels.fields.get(key)
        return entry[lang] if entry else self.words(f"compose.label.{key.lstrip('@')}")

    def value(self, value: str) -> str:
        lang = self.lang if self.lang in LABEL_LANGUAGES else "ru"
        entry = self.labels.values.get(value)
        return entry[lang] if entry else value


@dataclass
class _Page:
    form: Form
    values: Mapping[str, str]
    say: Wording
    problems: Mapping[str, Sequence[Problem]]
    add: Collection[str]  # lists that get one more slot
    parts: list[Markup] = field(default_factory=list)


def render_body(
    form: Form,
    values: Mapping[str, str],
    say: Wording,
    problems: Sequence[Problem] = (),
    add: Collection[str] = (),
) -> Markup:
    """The body's fields filled with *values* (posted or prefilled pairs, by name)."""
    by_name: dict[str, list[Problem]] = {}
    for problem in problems:
        by_name.setdefault(problem.name, []).append(problem)
    page = _Page(form, values, say, by_name, add)
    for item in form.fields:
        _field(page, item, item.key)
    return Markup("").join(page.parts)


def _field(page: _Page, item: Field, name: str) -> None:
    if item.many:
        _list(page, item, name)
    elif item.kind is Kind.GROUP:
        _fieldset(page, item, name, escape(page.say.label(item.label)))
    else:
        _leaf(page, item, name, page.say.label(item.label))


def _list(page: _Page, item: Field, name: str) -> None:
    say = page.say
    label = say.label(item.label)
    page.parts.append(Markup('<fieldset class="list"><legend>{}{}</legend>').format(label, _mark(page, item)))
    for number, index in enumerate(_slots(page, item, name), start=1):
        slot, caption = f"{name}.{index}", say.words("compose.item", label=label, number=number)
        if item.kind is Kind.GROUP:
            _fieldset(page, item, slot, escape(caption))
        else:
            _leaf(page, item, slot, caption)
    hint = _occurs(page, item)
    if hint:
        page.parts.append(Markup('<p class="hint">{}</p>').format(hint))
    if item.max_occurs is None or item.max_occurs > 1:
        page.parts.append(
            Markup('<button type="submit" name="add" value="{}" formnovalidate>{}</button>').format(
                name, say.words("compose.add", label=label)
            )
        )
    page.parts.append(Markup("</fieldset>"))


def _slots(page: _Page, item: Field, name: str) -> list[int]:
    """The indices shown: those with a value, at least `minOccurs` (and one), one more on "add"."""
    start = f"{name}."
    used = sorted(
        {
            int(rest.split(".", 1)[0])
            for key, value in page.values.items()
            if key.startswith(start)
            and value.strip()
            and (rest := key[len(start) :]).split(".", 1)[0].isdigit()
        }
    )
    slots = used or list(range(max(item.min_occurs, 1)))
    while len(slots) < item.min_occurs:
        slots.append(slots[-1] + 1)
    if name in page.add and (item.max_occurs is None or len(slots) < item.max_occurs):
        slots.append(slots[-1] + 1)
    return slots


def _occurs(page: _Page, item: Field) -> str:
    if item.max_occurs is None:
        return page.say.words("compose.hint.occurs_open", minimum=item.min_occurs)
    return page.say.words("compose.hint.occurs", minimum=item.min_occurs, maximum=item.max_occurs)


def _fieldset(page: _Page, item: Field, name: str, legend: Markup) -> None:
    page.parts.append(
        Markup('<fieldset class="group"><legend>{}{}</legend>').format(legend, _mark(page, item))
    )
    for child in item.children:
        _field(page, child, f"{name}.{child.key}")
    page.parts.append(Markup("</fieldset>"))


def _mark(page: _Page, item: Field) -> Markup:
    if not item.required:
        return Markup("")
    return Markup(' <abbr class="required" title="{}">{}</abbr>').format(
        page.say.words("compose.required"), page.say.words("compose.required_mark")
    )


def _leaf(page: _Page, item: Field, name: str, label: str) -> None:
    ident = f"f-{name}"
    problems = page.problems.get(name, ())
    hint = _hint(page, item)
    errors = [f"e-{name}-{number}" for number in range(len(problems))]
    described = " ".join(([f"h-{name}"] if hint else []) + errors)
    attributes = Markup(' id="{}" name="{}"').format(ident, name)
    if item.required:
        attributes += Markup(' aria-required="true"')
    if described:
        attributes += Markup(' aria-describedby="{}"').format(described)
    if problems:
        attributes += Markup(' aria-invalid="true"')
    page.parts.append(
        Markup('<div class="field"><label for="{}">{}{}</label>').format(ident, label, _mark(page, item))
    )
    page.parts.append(_control(page, item, attributes, page.values.get(name, "")))
    if hint:
        page.parts.append(Markup('<p class="hint" id="h-{}">{}</p>').format(name, hint))
    for ident, problem in zip(errors, problems, strict=True):
        text = page.say.words(f"compose.rule.{problem.rule.value}")
        page.parts.append(Markup('<p class="problem" id="{}">{}</p>').format(ident, text))
    page.parts.append(Markup("</div>"))


def _control(page: _Page, item: Field, attributes: Markup, value: str) -> Markup:
    if item.kind is Kind.MULTILINE:
        return Markup('<textarea{} rows="4">\n{}</textarea>').format(attributes, value)
    if item.kind in (Kind.CHOICE, Kind.BOOLEAN, Kind.DISTRICT):
        return Markup("<select{}>{}</select>").format(attributes, _options(page, item, value))
    limit = item.restrictions.max_length
    extra = Markup(' maxlength="{}"').format(limit) if limit is not None and item.kind is Kind.TEXT else ""
    kind = _INPUTS.get(item.kind, _TEXT_INPUT)
    return Markup('<input{}{}{} value="{}">').format(kind, attributes, extra, value)


def _options(page: _Page, item: Field, value: str) -> Markup:
    say = page.say
    options = [_option("", say.words("compose.choose"), value)]
    if item.kind is Kind.BOOLEAN:
        options += [
            _option("true", say.words("compose.yes"), value),
            _option("false", say.words("compose.no"), value),
        ]
    elif item.kind is Kind.CHOICE:
        options += [_option(choice, say.value(choice), value) for choice in item.choices]
    else:
        return Markup("").join(options) + _districts(page, value)
    return Markup("").join(options)


def _districts(page: _Page, value: str) -> Markup:
    sides: dict[str, list[Markup]] = {}
    for entry in page.form.districts:
        text = page.say.words("compose.district", region=entry.region, district=entry.name)
        sides.setdefault(entry.side, []).append(_option(entry.key, text, value))
    return Markup("").join(
        Markup('<optgroup label="{}">{}</optgroup>').format(
            page.say.words(f"compose.side.{side}"), Markup("").join(options)
        )
        for side, options in sides.items()
    )


def _option(value: str, text: str, chosen: str) -> Markup:
    selected = Markup(" selected") if value == chosen else Markup("")
    return Markup('<option value="{}"{}>{}</option>').format(value, selected, text)


def _hint(page: _Page, item: Field) -> str:
    say, limits = page.say.words, item.restrictions
    parts = []
    if item.kind in (Kind.DATETIME, Kind.DATE, Kind.TIME, Kind.INTEGER, Kind.DECIMAL, Kind.DISTRICT):
        parts.append(say(f"compose.hint.{item.kind.value}"))
    if limits.minimum is not None and limits.maximum is not None:
        parts.append(say("compose.hint.range", minimum=limits.minimum, maximum=limits.maximum))
    elif limits.minimum is not None:
        parts.append(say("compose.hint.minimum", minimum=limits.minimum))
    elif limits.maximum is not None:
        parts.append(say("compose.hint.maximum", maximum=limits.maximum))
    if limits.max_length is not None and item.kind in (Kind.TEXT, Kind.MULTILINE):
        parts.append(say("compose.hint.length", maximum=limits.max_length))
    patterns = [p for p in limits.regexps if p not in _GENERIC_PATTERNS]
    if patterns and item.kind is Kind.TEXT:
        parts.append(say("compose.hint.pattern", pattern=" ".join(patterns)))
    return "; ".join(parts)
