"""Content rules of a profile that the schema cannot state (forbidden values, maxima)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

from gateway.errors import RuleError
from gateway.profiles import ContentRule, MessageType
from gateway.reasons import Reason
from gateway.rules.fields import field_values


def violations(body: etree._Element, message_type: MessageType) -> list[str]:
    """Describe every content rule of *message_type* that *body* breaks (empty when none)."""
    found: list[str] = []
    for rule in message_type.rules:
        found.extend(_check(rule, value) for value in field_values(body, rule.field))
    return [problem for problem in found if problem]


def _check(rule: ContentRule, value: str) -> str:
    quote = f" («{rule.quote}»)" if rule.quote else ""
    if value in rule.forbidden:
        return f"{rule.field}: {value!r} is forbidden by Art. {rule.article}{quote}"
    if rule.maximum is not None:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return f"{rule.field}: {value!r} is not a number"
        if number > rule.maximum:
            return f"{rule.field}: {value} exceeds {rule.maximum} (Art. {rule.article}){quote}"
    return ""


def check(body: etree._Element, message_type: MessageType) -> None:
    """Refuse a body that breaks a content rule, naming the first field that breaks one."""
    problems = violations(body, message_type)
    if problems:
        broken = next(
            rule.field for rule in message_type.rules if any(p.startswith(f"{rule.field}:") for p in problems)
        )
        field = f"Notification/Body/{message_type.element}/{broken}"
        raise RuleError("; ".join(problems), reason=Reason.RULE_VIOLATED, field=field)
