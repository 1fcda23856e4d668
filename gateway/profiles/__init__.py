"""Treaty profiles as data: message types, timing classes, replies and agreement facts."""

from gateway.profiles.loader import load_profile, load_profiles
from gateway.profiles.model import (
    Agreement,
    Channel,
    Clause,
    ContentRule,
    Kind,
    Ladder,
    Lead,
    MessageType,
    Profile,
    ReplySpec,
    Rung,
    Source,
    Span,
    Timing,
    Unit,
)

__all__ = [
    "Agreement",
    "Channel",
    "Clause",
    "ContentRule",
    "Kind",
    "Ladder",
    "Lead",
    "MessageType",
    "Profile",
    "ReplySpec",
    "Rung",
    "Source",
    "Span",
    "Timing",
    "Unit",
    "load_profile",
    "load_profiles",
]
