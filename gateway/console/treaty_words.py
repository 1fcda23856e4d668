"""The words of a treaty calendar row in the viewer's language: what is due, and the article."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.console import i18n
from gateway.console.titles import type_title
from gateway.profiles import Profile


def what_title(profiles: Mapping[str, Profile], lang: str, profile: str, what: str) -> str:
    """A row's `what` in *lang*: a treaty event from the catalogue, a message type by its profile
    title (uz, az: the prevailing Russian text), else as it is."""
    catalogue = i18n.catalogue(lang)
    if catalogue.has(f"calendar.what.{what}"):
        return catalogue(f"calendar.what.{what}")
    return type_title(profiles, profile, what, lang)


def article_words(lang: str, article: str) -> str:
    """An article as the profile cites it: «ст. 12», «12-бап», «Art. 12»; a citation that is not an
    article number (an annex) as it is."""
    if not article[:1].isdigit():
        return article
    return i18n.catalogue(lang)("calendar.article", article=article)
