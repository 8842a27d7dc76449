"""The string catalogue: both languages have the same keys and placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from cxlib.texts import LANGUAGES, catalogue, t

TEXTS = Path(__file__).resolve().parents[1] / "cxlib" / "texts"
NAMESPACES = sorted({p.stem for lang in LANGUAGES for p in (TEXTS / lang).glob("*.yaml")})


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_languages_have_the_same_keys(namespace):
    keys = {
        lang: {k for k in catalogue(lang) if k.split(".", 1)[0] == namespace} for lang in LANGUAGES
    }
    reference = keys[LANGUAGES[0]]
    for lang in LANGUAGES[1:]:
        assert keys[lang] == reference, (
            f"{namespace}: only in {LANGUAGES[0]}: {sorted(reference - keys[lang])}; "
            f"only in {lang}: {sorted(keys[lang] - reference)}"
        )


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_languages_have_the_same_placeholders(namespace):
    first, *others = LANGUAGES
    for key, text in catalogue(first).items():
        if key.split(".", 1)[0] != namespace:
            continue
        for lang in others:
            other = catalogue(lang).get(key)
            if other is not None:
                assert placeholders(other) == placeholders(text), f"{key} ({lang})"


def test_missing_key_names_the_key():
    with pytest.raises(KeyError, match=r"report\.nope"):
        t("report.nope", "de")


def test_report_texts_fill_in_values():
    assert t("report.display.small_n", "de", n="24") == "geringe Aussagekraft (n = 24)"
    assert t("report.title", "en") == "Customer Experience Assessment"
