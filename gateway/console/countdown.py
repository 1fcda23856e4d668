"""How long until a due time, or how long past it, in the viewer's words ("через 1 д 3 ч",
"просрочено на 2 ч 5 мин"). Pure; gateway/console/static/console.js computes the same text in the
browser every 30 s from the page's <time datetime> and the server's time (no request)."""

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
    span = " ".join(t(f"board.unit_{unit}", n=n) for unit, n in parts(abs(left)))
    if left < 0:
        return True, t("board.overdue_by", span=span)
    return False, t("board.due_in", span=span)
