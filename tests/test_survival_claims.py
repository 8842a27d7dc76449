"""Claims discipline of the churn section (issue 14): state only tested, relevant effects.

References: statsmodels' ``multipletests`` for the Holm adjustment; the demo
generators (docs/demo-data.md, cxlib/demo/): Berger Haustechnik's product has
no effect on churn (cxlib/demo/craft.py draws the contract end independently
of it), Stadtwerke Lindenau's channel, onboarding and signal effects are
planted; generated data with a planted hazard ratio of 1.02.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from cxlib import workbook
from cxlib.io.loading import ClientData
from cxlib.survival.analysis import SurvivalReport, analyse
from cxlib.survival.readings import forest_reading, group_reading
from cxlib.survival.view import section

# --- helpers: what the section says, as text ------------------------------------------------


def _text(html: str) -> str:
    """Visible text of an HTML snippet (tags out, entities for quotes kept readable)."""
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def _block(report: SurvivalReport, name: str, lang: str = "de") -> str:
    return "".join(str(item.data) for item in section(report, lang).show(name))


def _said(report: SurvivalReport, lang: str = "de") -> str:
    """Key message, summary statements, readings, log-rank table and drivers block."""
    sec = section(report, lang)
    parts = [sec.key_message, *(s.text for s in sec.statements)]
    parts += [forest_reading(report, lang)]
    if report.best_grouping is not None:
        parts.append(group_reading(report, lang))
    parts += [_text(_block(report, "logrank", lang)), _text(_block(report, "drivers", lang))]
    return "\n".join(parts)


def _logrank_rows(report: SurvivalReport, lang: str = "de") -> dict[str, str]:
    """Log-rank table: grouping name -> text of its row."""
    html = _block(report, "logrank", lang)
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    out = {}
    for row in rows:
        cells = [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if cells:
            out[cells[0]] = " | ".join(cells)
    return out


def states_product_effect(report: SurvivalReport) -> bool:
    """Whether the churn section states a difference between products (German text)."""
    said = _said(report)
    if re.search(r"Tarif/Produkt „[^“]*“ kündigen", said):
        return True  # a hazard-ratio sentence: key message, summary, readings, drivers
    if re.search(r"(Kunden mit|^|\n)\s*Tarif/Produkt „", _text(_block(report, "drivers"))):
        return True  # a row of the drivers table
    row = _logrank_rows(report).get("Tarif/Produkt", "")
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
