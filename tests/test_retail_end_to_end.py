"""Issue 15, "Done when": a real purchase log nobody here wrote runs end to end.

The full CDNOW log (23,570 customers, 69,659 purchases, 01.1997-06.1998; shipped in
the datasets folder of the ``lifetimes`` package, read as a file, never imported) is
written as a German shop system would export it (cp1252, ``;``, decimal comma,
dd.mm.yyyy, Kundennummer;Kaufdatum;Anzahl Artikel;Umsatz (€)). The client has only
this purchases table and a report date in 1998, no data cut-off. And the Café demo
(without contracts, with loyalty cards): no contract words in either report, no
"Karten" where the client has no cards.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cxlib.runner.run import run_client
from tests.conftest import PROJECT

#: Contract words a report for a client without contracts must not contain.
CONTRACT_WORDS = re.compile(r"kündig|vertrag", re.IGNORECASE)
CARDS = re.compile(r"karte", re.IGNORECASE)

PARAMS = """\
client:
  id: cdnow-laden
  name: CD-Versand (CDNOW)
consultant: Erika Beraterin
report_date: 1998-07-15
business_model: non_contractual
data:
  transactions:
    file: kaeufe.csv
    columns: {"Umsatz (€)": amount}
"""


def _cdnow_log() -> Path:
    spec = importlib.util.find_spec("lifetimes")  # the data only; lifetimes is never imported
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("lifetimes (test dependency with the CDNOW data) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_master.txt"
    if not path.is_file():
        pytest.skip(f"CDNOW_master.txt is missing from {path.parent}")
    return path


def _visible_text(report: Path) -> str:
    soup = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
    for hidden in soup(["style", "script", "head"]):
        hidden.decompose()
    return re.sub(r"\s+", " ", soup.get_text(" "))


def _hits(pattern: re.Pattern[str], text: str) -> list[str]:
    return [text[max(0, m.start() - 60) : m.end() + 40] for m in pattern.finditer(text)]


@pytest.fixture(scope="module")
def cdnow_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = pd.read_csv(_cdnow_log(), sep=r"\s+", dtype={"customer_id": str, "date": str})
    folder = tmp_path_factory.mktemp("cdnow")
    day = pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%d.%m.%Y")
    euros = raw["dollar_value"].map(lambda v: f"{v:.2f}".replace(".", ","))
    lines = ["Kundennummer;Kaufdatum;Anzahl Artikel;Umsatz (€)"]
    lines += [
        f"{c};{d};{n};{e}"
        for c, d, n, e in zip(raw["customer_id"], day, raw["number_of_cds"], euros, strict=True)
    ]
    (folder / "kaeufe.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    (folder / "cdnow-laden.yaml").write_text(PARAMS, encoding="utf-8")
    result = run_client(folder / "cdnow-laden.yaml", out_dir=folder / "berichte")
    return Path(result.report).parent


@pytest.mark.slow
def test_cdnow_runs_end_to_end_with_only_purchases(cdnow_run: Path) -> None:
    results = json.loads((cdnow_run / "results.json").read_text(encoding="utf-8"))
    sections = {s["id"]: s for s in results["sections"]}
    survival = sections["survival"]["figures"]
    assert survival["available"] and survival["definition"] == "non_contractual"
    # 180 days: losses observable up to 01.01.1998 (30.06.1998 − 180). The curve counts
    # from the second purchase day: one-time buyers are a figure of their own (issue 15),
    # customers whose second purchase came after 01.01.1998 cannot be seen leaving yet
    raw = pd.read_csv(_cdnow_log(), sep=r"\s+", dtype={"customer_id": str, "date": str})
    days = raw[["customer_id", "date"]].drop_duplicates().sort_values(["customer_id", "date"])
    second = days[days.groupby("customer_id").cumcount() == 1].set_index("customer_id")["date"]
    once = int((days.groupby("customer_id").size() == 1).sum())
    assert survival["customers"] == int((second <= "19980101").sum())
    assert survival["one_time_buyers"] == once == 23_570 - len(second)
    six = next(h for h in survival["horizons"] if h["months"] == 6)
    assert 0.3 < six["survival"] < 0.9  # no longer pulled down by the one-time buyers
    assert survival["first_to_second"]["n"] == 23_570
    text = _visible_text(cdnow_run / "report.html")
    assert "30.06.1998" in text  # the cut-off: the last purchase, not the report date
    assert "Als abgewandert gilt, wer 180 Tage lang nicht mehr gekauft hat" in text
    assert "Einmalkäufer:" in text
    assert "Datenstand: Die Daten reichen nur bis" not in text  # 15 days: not old


@pytest.mark.slow
def test_no_contract_words_and_no_cards_in_the_cdnow_report(cdnow_run: Path) -> None:
    text = _visible_text(cdnow_run / "report.html")
    assert not _hits(CONTRACT_WORDS, text)
    assert not _hits(CARDS, text)


@pytest.mark.slow
def test_no_contract_words_in_the_cafe_report(tmp_path: Path) -> None:
    """The Café has loyalty cards (client.loyalty_cards): "Karten" may appear there."""
    result = run_client(PROJECT / "parameters" / "cafe-bohnenglueck.yaml", out_dir=tmp_path)
    text = _visible_text(Path(result.report))
    assert not _hits(CONTRACT_WORDS, text)
    assert "der Karten wurden nur einmal genutzt" in text
