"""Claims discipline of the churn section (issue 14): state only tested, relevant effects.

References: statsmodels' ``multipletests`` for the Holm adjustment; the demo
generators (docs/demo-data.md, cxlib/demo/): Berger Haustechnik's product has
no effect on churn (cxlib/demo/craft.py draws the contract end independently
of it), Stadtwerke Lindenau's channel, onboarding and signal effects are
planted; generated data with a planted hazard ratio of 1.02.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from functools import cache

import numpy as np
import pandas as pd
import pytest

from cxlib import workbook
from cxlib.io.loading import ClientData
from cxlib.report.section import Section
from cxlib.survival.analysis import SurvivalReport, analyse
from cxlib.survival.readings import forest_reading, group_reading
from cxlib.survival.view import section

# --- helpers: what the section says, as text ------------------------------------------------


def _text(html: str) -> str:
    """Visible text of an HTML snippet (tags out, entities for quotes kept readable)."""
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def _block(report: SurvivalReport, name: str, lang: str = "de", sec: Section | None = None) -> str:
    sec = sec or section(report, lang)
    return "".join(str(item.data) for item in sec.show(name))


def _said(report: SurvivalReport, lang: str = "de", sec: Section | None = None) -> str:
    """Key message, summary statements, readings, log-rank table and drivers block."""
    sec = sec or section(report, lang)
    parts = [sec.key_message, *(s.text for s in sec.statements)]
    parts += [forest_reading(report, lang)]
    if report.best_grouping is not None:
        parts.append(group_reading(report, lang))
    for name in ("logrank", "drivers"):
        parts.append(_text(_block(report, name, lang, sec)))
    return "\n".join(parts)


def _logrank_rows(
    report: SurvivalReport, lang: str = "de", sec: Section | None = None
) -> dict[str, str]:
    """Log-rank table: grouping name -> text of its row."""
    html = _block(report, "logrank", lang, sec)
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    out = {}
    for row in rows:
        cells = [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if cells:
            out[cells[0]] = " | ".join(cells)
    return out


def states_product_effect(report: SurvivalReport) -> bool:
    """Whether the churn section states a difference between products (German text)."""
    sec = section(report, "de")
    said = _said(report, "de", sec)
    if re.search(r"Tarif/Produkt „[^“]*“ kündigen", said):
        return True  # a hazard-ratio sentence: key message, summary, readings, drivers
    if re.search(
        r"(Kunden mit|^|\n)\s*Tarif/Produkt „", _text(_block(report, "drivers", "de", sec))
    ):
        return True  # a row of the drivers table
    row = _logrank_rows(report, "de", sec).get("Tarif/Produkt", "")
    if row.endswith("statistisch gesichert"):
        return True
    if report.best_grouping == "product":
        reading = group_reading(report)
        return "statistisch gesichert" in reading and "nicht gesichert" not in reading
    return False


@cache
def _berger() -> tuple[object, ClientData]:
    client = workbook.open_client("berger-haustechnik")
    return client.params, client.data


def _shuffled(seed: int) -> SurvivalReport:
    params, data = _berger()
    table = data.tables["customers"]
    frame = table.frame.copy()
    rng = np.random.default_rng(seed)
    frame["product"] = rng.permutation(frame["product"].to_numpy())
    tables = {**data.tables, "customers": replace(table, frame=frame)}
    report = analyse(params, ClientData(tables))
    assert report.available
    return report


# --- (a) shuffled product labels: no product effect -----------------------------------------


def test_berger_product_has_no_planted_effect() -> None:
    """The premise, from the raw file: churn does not depend on the product by design."""
    _, data = _berger()
    customers = data.get("customers")
    assert customers["product"].nunique() == 3
    assert customers["end_date"].notna().sum() == 26  # docs/demo-data.md


def test_shuffled_products_are_stated_at_most_twice_in_40() -> None:
    """40 fixed shuffles of Berger's product labels: the section states a product effect ≤ 2×."""
    stated = [seed for seed in range(40) if states_product_effect(_shuffled(seed))]
    assert len(stated) <= 2, f"product effect stated for seeds {stated}"


def test_berger_states_no_product_effect() -> None:
    """The demo itself: 'Rundum-Sorglos 4,3-mal so häufig' was a false positive."""
    params, data = _berger()
    report = analyse(params, data)
    assert not states_product_effect(report)
    assert "Rundum-Sorglos" not in section(report, "de").key_message


# --- one relative risk per pair, the headline is the first driver ---------------------------


@pytest.fixture(scope="module")
def utility() -> SurvivalReport:
    client = workbook.open_client("stadtwerke-lindenau")
    return analyse(client.params, client.data)


RATIO = re.compile(
    r"Kunden mit (?P<who>.+?) kündigen (?:im Folgemonat )?(?P<hr>[\d,]+)-mal so häufig wie "
    r"(?P<ref>.+?) \(95 %-Intervall (?P<low>[\d,]+) bis (?P<high>[\d,]+)\)"
)


def test_one_relative_risk_per_group(utility) -> None:
    """Vergleichsportal churned '2,6×' in one place and '2,1×' in the next: one figure now."""
    said = _said(utility)
    ratios: dict[str, set[tuple[str, str]]] = {}
    for m in RATIO.finditer(said):
        ratios.setdefault(m["who"], set()).add((m["hr"], m["ref"]))
    assert any("Vergleichsportal" in who for who in ratios)
    for who, seen in ratios.items():
        assert len(seen) == 1, f"{who}: {seen}"
        ((_, ref),) = seen
        assert ref.startswith(("Kunden mit „", "die übrigen", "Kunden ohne")), ref  # named


def test_headline_driver_is_the_first_row_of_the_drivers_table(utility) -> None:
    for lang in ("de", "en"):
        first = utility.top_drivers(1)
        assert first
        html = _block(utility, "drivers", lang)
        body = re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S)[0]
        cell = _text(re.findall(r"<td[^>]*>(.*?)</td>", body, flags=re.S)[0]).strip()
        key = section(utility, lang).key_message
        assert cell in key, (cell, key)
        assert cell in section(utility, lang).statements[0].text


def test_no_stated_interval_rounds_to_one(utility) -> None:
    """'2,3-mal so häufig (95 %-Intervall 1,0 bis 5,3)' reads as no effect."""
    for m in RATIO.finditer(_said(utility)):
        assert m["low"] not in ("1", "1,0", "1,00"), m.group(0)
        assert float(m["low"].replace(",", ".")) > 1, m.group(0)


def _shuffled_all(seed: int) -> SurvivalReport:
    """Berger with segment, product, channel and region each shuffled on its own."""
    params, data = _berger()
    table = data.tables["customers"]
    frame = table.frame.copy()
    rng = np.random.default_rng(1000 + seed)
    for name in ("segment", "product", "channel", "region"):
        frame[name] = rng.permutation(frame[name].to_numpy())
    tables = {**data.tables, "customers": replace(table, frame=frame)}
    return analyse(params, ClientData(tables))


@pytest.mark.slow
def test_shuffled_covariates_state_anything_at_most_twice_in_40() -> None:
    """One family: with no covariate related to churn, ≤ 2 of 40 shuffles state any difference.

    Holm keeps the chance of even one false finding in the family at 5 %
    (2 of 40); each test on its own at p < 0.05 would state something in
    about a quarter of them.
    """
    stated = [s for s in range(40) if _shuffled_all(s).claims.findings()]
    assert len(stated) <= 2, f"a difference stated for seeds {stated}"


# --- (b) Holm against statsmodels -------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_holm_equals_statsmodels(seed: int) -> None:
    from statsmodels.stats.multitest import multipletests

    from cxlib.survival.claims import holm

    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.1, 8), rng.uniform(0, 1, 12), [0.01, 0.01, 1.0]])
    rng.shuffle(p)
    reject, expected, _, _ = multipletests(p, alpha=0.05, method="holm")
    np.testing.assert_allclose(holm(p), expected, rtol=0, atol=1e-15)
    assert ((holm(p) < 0.05) == reject).all()


def test_holm_by_hand_and_missing_values() -> None:
    from cxlib.survival.claims import holm

    # sorted 0.01, 0.03, 0.04 (m = 3): 3·0.01 = 0.03; 2·0.03 = 0.06; max(0.06, 1·0.04) = 0.06
    np.testing.assert_allclose(holm([0.04, 0.01, 0.03]), [0.06, 0.03, 0.06])
    out = holm([0.02, np.nan, 0.5])  # NaN does not count: m = 2
    np.testing.assert_allclose(out[[0, 2]], [0.04, 0.5])
    assert np.isnan(out[1])
    assert holm([]).size == 0


# --- (c) a million customers: significant is not enough ---------------------------------------


def _many_customers(n: int, hr: float, seed: int) -> ClientData:
    """n customers, channel 'Filiale' churning ``hr`` times as often as 'Online' (planted)."""
    params, data = _berger()
    rng = np.random.default_rng(seed)
    channel = rng.choice(np.array(["Online", "Filiale"], dtype=object), n)
    start = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 3500, n), unit="D")
    rate = 0.03 / 30.4375 * np.where(channel == "Filiale", hr, 1.0)  # 3 % a month
    days = np.ceil(rng.exponential(1 / rate))
    end = start + pd.to_timedelta(days, unit="D")
    end = end.where(end <= pd.Timestamp(params.cutoff))
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(n).astype(str),
            "start_date": start,
            "end_date": end,
            "channel": channel,
        }
    )
    table = data.tables["customers"]
    return ClientData({"customers": replace(table, frame=frame)})


def _channel_only(params):
    survival = params.analysis.survival.model_copy(
        update={"covariates": ["channel"], "group_by": ["channel"], "signal_covariates": False}
    )
    analysis = params.analysis.model_copy(update={"survival": survival})
    return params.model_copy(update={"analysis": analysis})


@pytest.mark.slow
def test_a_tiny_effect_in_a_million_customers_is_significant_but_not_stated() -> None:
    """HR 1.02 planted: p far below 0.05 after Holm, yet no finding, no driver, no headline."""
    params, _ = _berger()
    report = analyse(_channel_only(params), _many_customers(1_000_000, 1.02, seed=5))
    test = report.claims.get("cox", "channel: Filiale")
    assert test is not None and report.model is not None
    assert 1.0 < test.effect < 1.05  # the planted 1.02, estimated
    assert test.p_adjusted < 0.001  # significant ...
    assert test.verdict == "small" and not report.claims.findings("cox")  # ... but not relevant
    assert report.top_drivers(3) == () and report.headline_driver() is None
    sec = section(report, "de")
    assert "-mal so häufig" not in sec.key_message
    assert "Filiale" not in " ".join(s.text for s in sec.statements)
    assert "kein Hinweis auf einen Unterschied im Kündigungsrisiko (n = " in forest_reading(
        report, "de"
    )
    assert _logrank_rows(report)["Gewinnungskanal"].endswith("kein nennenswerter Unterschied")


def test_a_relevant_effect_in_the_same_data_is_stated() -> None:
    """The counterpart: HR 1.5 planted on the same design is a finding and the headline."""
    params, _ = _berger()
    report = analyse(_channel_only(params), _many_customers(20_000, 1.5, seed=5))
    driver = report.headline_driver()
    assert driver is not None and driver.comparison == "Online"  # read from the risk side
    assert 1.35 < driver.hr < 1.65
    assert driver == report.top_drivers(1)[0]
    assert "„Filiale“ kündigen 1,5-mal so häufig wie Kunden mit „Online“" in (
        section(report, "de").key_message
    )


# --- (d) the planted effects of the demo clients are still stated -----------------------------


def test_planted_utility_effects_are_findings(utility) -> None:
    """docs/demo-data.md, Stadtwerke: channel (Vergleichsportal ×1.8), onboarding, signals."""
    claims = utility.claims
    for name in ("channel", "early_tickets"):
        assert claims.is_finding("logrank", name), name
    assert claims.is_finding("cox", "early_tickets")
    assert claims.is_finding("cox", "channel: Website")  # Vergleichsportal is the reference
    for name in ("slow_payment", "usage_drop", "frequent_queries"):  # effect 4
        assert claims.is_finding("signals", name), name
    by = {d.covariate: d for d in utility.drivers.drivers}
    assert by["channel"].risk_level == "Vergleichsportal"
    assert 1.6 < by["early_tickets"].hr < 2.6  # docs: adjusted HR 2.11 (1.78-2.50)
    said = _said(utility)
    assert "Gewinnungskanal „Vergleichsportal“ kündigen 2,1-mal so häufig" in said
    assert "holprigem Start (mindestens 2 Servicetickets in den ersten 90 Tagen) kündigen" in said
    assert "„längere Zahlungsdauer“ im Vormonat kündigen im Folgemonat" in said
    # region has no planted effect: not stated
    assert not claims.is_finding("logrank", "region")
    assert "Nach Tarif/Produkt, Segment und Region/Filiale: kein Hinweis" in forest_reading(utility)


def test_planted_weak_store_is_the_cafes_headline() -> None:
    """docs/demo-data.md, Café: Bahnhof loses most (45 % never return; 9 % drop-out per visit).

    The curve counts returning customers from their second purchase (issue 15), so the
    headline rests on the drop-out per visit, 9 % against Altstadt's 5 % (1.8 per visit);
    per unit of time, with purchase rates and drop-out varying between customers, the
    ratio is smaller, but clearly above the relevance bound of 1.25.
    """
    client = workbook.open_client("cafe-bohnenglueck")
    report = analyse(client.params, client.data)
    driver = report.headline_driver()
    assert driver is not None and driver.column == "region: Bahnhof"
    assert driver.comparison == "Altstadt"  # the reference, named in the sentence
    assert driver.low > 1.25 and driver.hr < 9 / 5
    assert "Region/Filiale „Bahnhof“ kündigen" in section(report, "de").key_message
    assert report.claims.is_finding("logrank", "region")


# --- wording rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "lang", "expected"),
    [
        (1.021, 5.28, "de", ("1,02", "5,28")),  # '1,0 bis 5,3' would read as no effect
        (1.8, 2.5, "de", ("1,8", "2,5")),
        (0.19, 0.98, "de", ("0,19", "0,98")),  # 0.98 is '1,0' at one decimal
        (1.0004, 1.9, "en", ("1.000", "1.900")),  # three decimals at most
        (0.8, 1.2, "de", ("0,8", "1,2")),  # contains 1: one decimal is honest
    ],
)
def test_hr_interval_never_rounds_onto_one(low, high, lang, expected) -> None:
    from cxlib.survival.wording import hr_interval

    assert hr_interval(low, high, lang) == expected


def test_overlapping_drivers_are_of_similar_size(utility) -> None:
    """Ranges of the attributable share (lower to upper HR bound) that overlap are not ranked."""
    top = utility.top_drivers(3)
    runs = utility.drivers.similar(3)
    for run in runs:
        for a, b in itertools.pairwise(run):
            assert b.attributable_high >= a.attributable_low  # hand rule: ranges overlap
    for a, b in itertools.pairwise(top):
        together = any(a in run and b in run for run in runs)
        assert together == (b.attributable_high >= a.attributable_low)
    for d in top:  # the upper value by hand: p_c · (1 − 1/upper bound)
        assert d.attributable_high == pytest.approx(d.share_churners * (1 - 1 / d.high))
    assert runs  # payment signal 30.1-30.6 % and Vergleichsportal 23.9-32.9 % overlap
    assert "Ähnlich groß sind die Anteile von" in section(utility, "de").statements[-1].text


def test_method_note_states_the_family_and_the_rules() -> None:
    """The appendix says which correction, why, and the thresholds the code uses."""
    from cxlib import formatting as fmt
    from cxlib.kpis.comparisons import MIN_GAP
    from cxlib.report.render import METHOD_NOTES
    from cxlib.survival import claims
    from cxlib.texts import t

    assert METHOD_NOTES.index("tests") < METHOD_NOTES.index("survival")
    for lang in ("de", "en"):
        text = t(
            "report.appendix.method.notes.tests.text", lang, tests="42", alpha="5 %", min_n="10"
        )
        assert claims.METHOD == "holm" and "Holm" in text and "Benjamini-Hochberg" in text
        assert "42" in text and f"{MIN_GAP:.0f} " in text
        low, high = claims.HR_IRRELEVANT
        assert fmt.number(low, 1, lang) in text and fmt.number(high, 2, lang) in text
        assert f"{round(claims.MIN_SHARE_GAP * 100)} " in text
        assert f"{claims.MIN_EVENTS} " in text
