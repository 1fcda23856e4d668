"""How long until a due time, or how long past it, in the viewer's words ("через 1 д 3 ч",
"просрочено на 2 ч 5 мин"): the board's and the message page's obligations. Pure; the page carries
the same words (templates/countdown.html) and gateway/console/static/console.js computes the text
again in the browser every 30 s from the <time datetime> and the node's time (no request)."""

from __future__ import annotations

from datetime import datetime

from gateway.console.i18n import Catalogue

MINUTES_PER_DAY = 24 * 60


def parts(seconds: float) -> list[tuple[str, int]]:
    """Whole days and hours, or hours and minutes, or minutes, of a span of *seconds* (>= 0)."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    hours, minutes = divmod(rest, 60)
    if days:
        return [("d", days), ("h", hours)]
    if hours:
        return [("h", hours), ("min", minutes)]
    return [("min", minutes)]


def countdown(due: datetime, now: datetime, t: Catalogue) -> tuple[bool, str]:
    """(overdue, the words) for something due at *due*, seen at *now*."""
    left = (due - now).total_seconds()
    span = " ".join(t(f"countdown.unit_{unit}", n=n) for unit, n in parts(abs(left)))
    if left < 0:
        return True, t("countdown.overdue_by", span=span)
    return False, t("countdown.due_in", span=span)
