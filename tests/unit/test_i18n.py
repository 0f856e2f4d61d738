"""Language negotiation and catalog lookups."""

from __future__ import annotations

import pytest

from api.i18n import Translator, parse_accept_language


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator("en")


def test_the_four_languages_ship(translator: Translator) -> None:
    assert {"en", "de", "fr", "it"} <= translator.languages


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        (None, None, "en"),
        ("de", "fr", "de"),
        ("es", "fr", "en"),
        (None, "fr-CH, de;q=0.5", "fr"),
        (None, "de;q=0.4, it;q=0.9", "it"),
        (None, "es, pt;q=0.9, de;q=0.1", "de"),
        (None, "*", "en"),
        (None, "garbage;;;q=x", "en"),
        ("FR", None, "fr"),
    ],
)
def test_negotiation(
    translator: Translator, query: str | None, header: str | None, expected: str
) -> None:
    assert translator.negotiate(query, header) == expected


def test_zero_quality_languages_are_excluded() -> None:
    assert parse_accept_language("de;q=0, fr") == ("fr",)


def test_messages_are_localized_with_fallback(translator: Translator) -> None:
    english = translator.gettext("en", "error.ticket_not_found")
    german = translator.gettext("de", "error.ticket_not_found")

    assert english != german
    assert translator.gettext("xx", "error.ticket_not_found") == english
    assert translator.gettext("de", "no.such.id") == "no.such.id"


def test_names_fall_back_to_default_then_key(translator: Translator) -> None:
    names = {"en": "General", "de": "Allgemein"}

    assert translator.name(names, "de", "general") == "Allgemein"
    assert translator.name(names, "fr", "general") == "General"
    assert translator.name({}, "fr", "general") == "general"


def test_unsupported_default_language_falls_back_to_english() -> None:
    assert Translator("xx").default_language == "en"
