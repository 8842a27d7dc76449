"""The string catalogue: both languages have the same keys and placeholders."""

from __future__ import annotations

import pickle
import string
from pathlib import Path

import pytest
import yaml
from babel import Locale

from cxlib.formatting import LOCALES
from cxlib.texts import LANGUAGES, VARIANTS, Wording, catalogue, t, wording

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
    assert t("report.display.small_n", "en", n="1,240") == "limited reliability (n = 1,240)"
    with pytest.raises(KeyError, match="'n'"):  # a placeholder left without a value
        t("report.display.small_n", "de", other="24")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keys_are_the_file_name_and_the_path_inside_the_file(lang):
    # the file read directly: namespace "report" is the file, then display → small_n
    raw = yaml.safe_load((TEXTS / lang / "report.yaml").read_text(encoding="utf-8"))
    assert t("report.display.small_n", lang) == raw["display"]["small_n"]  # unfilled
    nps = raw["appendix"]["glossary"]["terms"]["nps"]
    assert t("report.appendix.glossary.terms.nps.term", lang) == nps["term"]


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="fr"):
        t("report.title", "fr")


#: CLDR plural categories a catalogue key may end in
PLURAL_CATEGORIES = {"zero", "one", "two", "few", "many", "other"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_counted_texts_have_every_plural_form_of_the_language(lang):
    texts = catalogue(lang)
    counted = {k.rsplit(".", 1)[0] for k in texts if k.rsplit(".", 1)[-1] in PLURAL_CATEGORIES}
    assert "summary.files" in counted and "summary.rows" in counted
    # babel's plural rule of the report locale lists the categories besides "other"
    needed = Locale.parse(LOCALES[lang]).plural_form.tags | {"other"}
    for key in counted:
        forms = {k.rsplit(".", 1)[-1] for k in texts if k.rsplit(".", 1)[0] == key}
        assert forms == needed, f"{key} ({lang}): {sorted(forms)}, needs {sorted(needed)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_variant_replaces_a_text_with_the_same_placeholders(lang):
    texts = catalogue(lang)
    for key, text in texts.items():
        variant, _, base = key.partition(".")
        if variant in VARIANTS:
            assert base in texts, f"{key}: no base text {base}"
            assert placeholders(text) == placeholders(texts[base]), key


def test_a_client_without_contracts_reads_its_own_words():
    shop = wording("de", "non_contractual")
    assert shop == "de" and t("sections.survival.title", shop) == "Kundenbindung und Abwanderung"
    assert t("sections.survival.title", "de") == "Kundenbindung und Kündigungen"
    assert wording("de", "contractual") == "de" and not isinstance(
        wording("en", "contractual"), Wording
    )
    cards = wording("de", "non_contractual", loyalty_cards=True)
    values = {k: "x" for k in ("arpu", "retained", "rate", "clv", "one_time")}
    assert "Karten" in t("kpis.readings.economics_repurchase", cards, **values)
    assert "Karten" not in t("kpis.readings.economics_repurchase", shop, **values)
    assert t("sections.survival.title", cards) == "Kundenbindung und Abwanderung"  # falls through
    copy = pickle.loads(pickle.dumps(cards))  # the workbook's language crosses into kernels
    assert copy == "de" and copy.variants == ("loyalty_cards", "non_contractual")
