"""The retail path of a new user (issue 15, "Obstacles"): a shop with only a purchases file.

The export is written as a German shop system would (cp1252, ``;``, decimal comma,
dd.mm.yyyy, columns Kundennummer;Kaufdatum;Anzahl Artikel;Umsatz (€)).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from cxlib.exceptions import DataError
from cxlib.io.loading import load_client_data, read_table
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import DataFile
from cxlib.survival.table import build_survival_table

from .conftest import write_params

#: (customer, day of purchase, articles, revenue): a, b and c as a shop would export them;
#: 1003 bought once (a one-time buyer: not in the churn curve, which starts at the second
#: purchase day).
PURCHASES = [
    ("1001", dt.date(2024, 1, 5), 1, 12.5),
    ("1002", dt.date(2024, 2, 1), 2, 30.0),
    ("1001", dt.date(2024, 2, 15), 1, 4.0),
    ("1001", dt.date(2024, 3, 1), 1, 8.25),
    ("1002", dt.date(2024, 3, 1), 1, 6.5),
    ("1003", dt.date(2024, 4, 15), 3, 45.9),
    ("1002", dt.date(2025, 11, 20), 1, 19.99),
]

SHOP = """\
client:
  id: laden
  name: Laden GmbH
consultant: Erika Beraterin
report_date: 2025-12-31
business_model: non_contractual
data:
  transactions:
    file: kaeufe.csv
    columns: {{"Umsatz (€)": amount}}
{extra}"""


def _export(folder: Path, rows: list[tuple[str, dt.date, int, float]]) -> Path:
    lines = ["Kundennummer;Kaufdatum;Anzahl Artikel;Umsatz (€)"]
    for cid, day, n, euros in rows:
        lines.append(f"{cid};{day:%d.%m.%Y};{n};{f'{euros:.2f}'.replace('.', ',')}")
    path = folder / "kaeufe.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def test_only_purchases_derive_the_customers(tmp_path: Path) -> None:
    _export(tmp_path, PURCHASES)
    params = load_parameters(write_params(tmp_path, SHOP.format(extra="")))
    data = load_client_data(params)
    customers = data.get("customers")
    assert customers is not None
    since = dict(zip(customers["customer_id"].astype(str), customers["start_date"], strict=True))
    # customer since = first purchase, one row per customer number
    assert since == {
        "1001": pd.Timestamp("2024-01-05"),
        "1002": pd.Timestamp("2024-02-01"),
        "1003": pd.Timestamp("2024-04-15"),
    }
    assert [q.table for q in data.quality] == ["transactions"]  # only the file read
    # the churn analysis runs: cut-off 31.12.2025 − 180 days = 04.07.2025; counted from the
    # second purchase day, 1001 last bought before it (lost), 1002 after it (censored at
    # 04.07.2025); 1003 bought once and is not in the curve
    table = build_survival_table(params, data)
    f = table.frame.set_index("customer_id")
    assert f["event"].to_dict() == {"1001": True, "1002": False}
    assert table.one_time_buyers == 1
    seen_until = dt.date(2025, 12, 31) - dt.timedelta(days=180)
    assert f.loc["1002", "duration"] == (seen_until - dt.date(2024, 3, 1)).days + 1
    assert f.loc["1001", "duration"] == (dt.date(2024, 3, 1) - dt.date(2024, 2, 15)).days + 1


def test_a_contractual_client_derives_nothing(tmp_path: Path) -> None:
    _export(tmp_path, PURCHASES)
    body = SHOP.format(extra="").replace("non_contractual", "contractual")
    data = load_client_data(load_parameters(write_params(tmp_path, body)))
    assert data.get("customers") is None


def _purchase_rows(customers: int, each: int) -> list[tuple[str, dt.date, int, float]]:
    start = dt.date(2024, 1, 1)
    return [
        (str(2000 + c), start + dt.timedelta(days=7 * k + c), 1, 10.0)
        for c in range(customers)
        for k in range(each)
    ]


def test_customers_pointed_at_the_purchases_file(tmp_path: Path) -> None:
    """30 customers × 3 purchases: 60 of 90 rows repeat a number. One plain problem."""
    _export(tmp_path, _purchase_rows(30, 3))
    extra = '  customers:\n    file: kaeufe.csv\n    columns: {"Kaufdatum": start_date}\n'
    params = load_parameters(write_params(tmp_path, SHOP.format(extra=extra)))
    with pytest.raises(DataError) as caught:
        load_client_data(params)
    [problem] = caught.value.problems
    assert problem.code == "purchases_as_customers"
    assert "60 von 90 Zeilen" in problem.message and "30 verschiedene Kunden" in problem.message
    assert "Liste von Käufen" in problem.message
    assert "data.transactions" in str(caught.value)
    assert "doppelter Eintrag" not in str(caught.value)


def test_many_duplicates_are_counted_in_full(tmp_path: Path) -> None:
    """A customers file with 1,200 repeated numbers among 10,000 rows (12 %, a messy
    export rather than a purchase list): 1,000 listed, the other 200 counted."""
    lines = ["Kundennummer;Vertragsbeginn"]
    lines += [f"K{i};01.01.2025" for i in range(8_800)]
    lines += [f"K{i};02.01.2025" for i in range(1_200)]
    (tmp_path / "k.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_table("customers", DataFile(file="k.csv"), tmp_path)
    problems = caught.value.problems
    listed = [p for p in problems if p.row is not None]
    assert len(listed) == 1_000
    [rest] = [p for p in problems if p.row is None]
    assert rest.message == "doppelter Eintrag: 200 weitere Zeilen"


def test_the_error_states_the_true_number_of_problems(tmp_path: Path) -> None:
    """1,200 repeated numbers: the message says 1.200, not the 1,001 lines it lists."""
    lines = ["Kundennummer;Vertragsbeginn"]
    lines += [f"K{i};01.01.2025" for i in range(8_800)]
    lines += [f"K{i};02.01.2025" for i in range(1_200)]
    (tmp_path / "k.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_table("customers", DataFile(file="k.csv"), tmp_path)
    error = caught.value
    assert error.total == 1_200 and error.counts() == {"duplicate_key": 1_200}
    head = str(error).splitlines()[0]
    assert head == "1.200 Problem(e) in den Kundendaten (k.csv), davon 1.200 doppelte Einträge"


CUSTOMERS = "  customers:\n    file: kunden.csv\n"


def test_a_shop_with_customers_file_and_no_cut_off_is_not_told_about_contracts(
    tmp_path: Path,
) -> None:
    """Customers file and purchases, no data_cutoff, report date two years after the data.

    The cut-off is the last date in the data (20.11.2025), so the rule sees 1002's
    purchase there; the report date (2027) would have made everyone "lost".
    """
    _export(tmp_path, PURCHASES)
    (tmp_path / "kunden.csv").write_text(
        "Kundennummer;Kunde seit\n1001;05.01.2024\n1002;01.02.2024\n1003;15.04.2024\n",
        encoding="utf-8",
    )
    from cxlib.runner.run import prepare

    body = SHOP.format(extra=CUSTOMERS).replace("2025-12-31", "2027-12-31")
    params, data = prepare(write_params(tmp_path, body))
    assert params.cutoff == dt.date(2025, 11, 20)
    table = build_survival_table(params, data)
    f = table.frame.set_index("customer_id")
    assert f["event"].to_dict() == {"1001": True, "1002": False}


def test_shop_errors_name_the_shop_causes(tmp_path: Path) -> None:
    from cxlib.survival.errors import NoCustomersError, NoEventsError, SurvivalError

    # both customers bought again in December 2025: with 180 days nobody is lost yet
    _export(
        tmp_path,
        [
            ("1", dt.date(2024, 1, 5), 1, 5.0),
            ("1", dt.date(2024, 3, 1), 1, 5.0),
            ("1", dt.date(2025, 12, 1), 1, 5.0),
            ("2", dt.date(2024, 6, 1), 1, 5.0),
            ("2", dt.date(2024, 7, 1), 1, 5.0),
            ("2", dt.date(2025, 12, 20), 1, 5.0),
        ],
    )
    params = load_parameters(write_params(tmp_path, SHOP.format(extra="")))
    with pytest.raises(NoEventsError) as caught:
        build_survival_table(params, load_client_data(params))
    message = str(caught.value)
    assert "04.07.2025" in message and "inactivity_days" in message  # 31.12.2025 − 180 days
    assert "Kündigung" not in message and "Vertrag" not in message
    # 800 days: both bought the second time after the last observable day (22.10.2023)
    quiet = params.analysis.survival.model_copy(update={"inactivity_days": 800})
    slow = params.model_copy(
        update={"analysis": params.analysis.model_copy(update={"survival": quiet})}
    )
    with pytest.raises(SurvivalError, match="inactivity_days") as caught_empty:
        build_survival_table(slow, load_client_data(slow))
    assert "2 Kunden" in str(caught_empty.value)
    empty = params.model_copy(
        update={"data": params.data.model_copy(update={"transactions": None})}
    )
    with pytest.raises(NoCustomersError, match=r"data\.transactions"):
        build_survival_table(empty, load_client_data(empty))
