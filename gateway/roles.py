"""Who may do what on the console: three roles, each allowed everything the one below it is.

viewer: reads the log, the messages, the health page; operator: also acts (compose, escalations);
admin: also manages people and reads the audit trail. Values are the stored values.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, required: Role) -> bool:
        """True when this role may do what *required* may."""
        return self.rank >= required.rank


_RANKS = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}
