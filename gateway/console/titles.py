"""Titles from the profiles in the viewer's language: an agreement's, a message type's. The profiles
title in Russian, Kazakh and English; Uzbek and Azerbaijani readers get the prevailing Russian text
(the agreements' authentic language), never an invented translation."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.profiles import Profile


def in_language(titles: Mapping[str, str], lang: str) -> str:
    """The title in *lang*, else the Russian one."""
    return str(titles.get(lang) or titles["ru"])


def type_title(profiles: Mapping[str, Profile], profile: str, message_type: str, lang: str) -> str:
    """A message type's title in *lang*; a type no profile knows, as its code."""
    found = profiles.get(profile)
    entry = found.types.get(message_type) if found else None
    return in_language(entry.title, lang) if entry is not None else message_type
