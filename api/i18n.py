"""Localization: language negotiation and message catalogs (Babel)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
MAX_ACCEPT_LANGUAGE_ITEMS = 20


@lru_cache(maxsize=512)
def primary_language(tag: str) -> str | None:
    """The ISO 639-1 language of a tag (``fr-CH`` -> ``fr``), or None if invalid."""
    tag = tag.strip()
    if not tag or tag == "*" or len(tag) > 35:
        return None
    try:
        language = Locale.parse(tag.replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):
        language = tag.split("-", 1)[0].split("_", 1)[0].lower()
        if not (len(language) == 2 and language.isascii() and language.isalpha()):
            return None
    return language.lower()


@lru_cache(maxsize=512)
def parse_accept_language(header: str) -> tuple[str, ...]:
    """The languages of an Accept-Language header, best first (q-values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:MAX_ACCEPT_LANGUAGE_ITEMS]):
        tag, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = primary_language(tag)
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return tuple(language for _, _, language in sorted(ranked))


class Translator:
    """Chooses the response language and looks up localized messages."""

    def __init__(self, default_language: str, locales_dir: Path = LOCALES_DIR) -> None:
        self._catalogs: dict[str, dict[str, str]] = {}
        for po in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            with po.open("rb") as handle:
                catalog = read_po(handle)
            self._catalogs[po.parent.parent.name] = {
                str(message.id): str(message.string)
                for message in catalog
                if message.id and message.string
            }
        self.languages = frozenset(self._catalogs)
        self.default_language = (
            default_language if default_language in self.languages else "en"
        )

    def negotiate(self, query_language: str | None, accept_language: str | None) -> str:
        """``language`` parameter, else Accept-Language, else the default."""
        if query_language:
            language = primary_language(query_language)
            return language if language in self.languages else self.default_language
        if accept_language:
            for language in parse_accept_language(accept_language):
                if language in self.languages:
                    return language
        return self.default_language

    def gettext(self, language: str, message_id: str) -> str:
        """The message in that language, else the default language, else its id."""
        catalog = self._catalogs.get(language, {})
        text = catalog.get(message_id)
        if text is None:
            text = self._catalogs.get(self.default_language, {}).get(message_id)
        return text or message_id

    def name(self, names: Mapping[str, str], language: str, key: str) -> str:
        """A localized name: that language, else the default language, else the key."""
        return names.get(language) or names.get(self.default_language) or key
