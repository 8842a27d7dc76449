"""The demo clients: byte-stable regeneration, valid parameter files, planted effects.

The effects are checked on the raw files, read back with plain pandas in the
dialect each file is documented to use (not with cxlib.io.loading), so that
these tests do not depend on the loader. The numbers are those in
docs/demo-data.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib.demo import CHECKSUM_FILE, CLIENT_IDS, generate_all
from cxlib.demo import utility as utility_module
from cxlib.demo.common import sha256
from cxlib.parameters.files import load_parameters

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT / "data"
PARAMETERS = PROJECT / "parameters"
MB = 1024 * 1024

UTILITY, CRAFT, CAFE = CLIENT_IDS


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, float]:
    out = tmp_path_factory.mktemp("demo-data")
    began = time.perf_counter()
    written = generate_all(out)
    return out, written, time.perf_counter() - began


@pytest.fixture(scope="module")
def folder(generated: tuple[Path, dict, float]) -> Path:
    return generated[0]


# --------------------------------------------------------------------------- readers


def read_german_csv(
    path: Path, encoding: str, dates: tuple[str, ...] = (), date_format: str = "%d.%m.%Y"
) -> pd.DataFrame:
    """';', decimal comma, '.' for thousands; ``dates`` are parsed with ``date_format``."""
    frame = pd.read_csv(
        path,
        sep=";",
        encoding=encoding,
        decimal=",",
        thousands=".",
        dtype={"Kundennummer": str, **dict.fromkeys(dates, str)},
    )
    for column in dates:
        frame[column] = pd.to_datetime(frame[column], format=date_format)
    return frame


def utility_customers(folder: Path) -> pd.DataFrame:
    dates = ("Vertragsbeginn", "Vertragsende", "Zusatzprodukt seit")
    return read_german_csv(folder / UTILITY / "kunden.csv", "cp1252", dates)


def utility_tickets(folder: Path) -> pd.DataFrame:
    return read_german_csv(
        folder / UTILITY / "tickets.csv", "utf-8", ("Erstellt am", "Erledigt am")
    )


def utility_survey(folder: Path) -> pd.DataFrame:
    return read_german_csv(folder / UTILITY / "befragung.csv", "utf-8-sig", ("Datum",))


def utility_signals(folder: Path) -> pd.DataFrame:
    path = folder / UTILITY / "fruehwarnsignale_2025.csv"
    return read_german_csv(path, "utf-8", ("Monat",), "%m.%Y")


def read_maturity(client: str, folder: Path) -> pd.DataFrame:
    if client == UTILITY:
        frame = pd.read_csv(folder / UTILITY / "reifegrad.csv", sep=";", encoding="utf-8")
        frame.columns = ["respondent", "department", "item", "score", "wave"]
    elif client == CRAFT:
        frame = pd.read_excel(folder / CRAFT / "reifegrad_workshop.xlsx", sheet_name="Reifegrad")
        frame.columns = ["respondent", "department", "item", "score"]
    else:
        frame = pd.read_csv(folder / CAFE / "maturity.csv")
    return frame


def dimension_scores(frame: pd.DataFrame) -> pd.Series:
    """Mean item score / 4 · 100 per dimension (over items and respondents)."""
    return frame.groupby(frame["item"].str[:2])["score"].mean() / 4 * 100


def nps(scores: pd.Series) -> float:
    scores = scores.dropna()
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def monthly_churn(customers: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Lost in month / active at the start of the month, per month (and group)."""
    start, end = customers["Vertragsbeginn"], customers["Vertragsende"]
    rows = []
    groups = [(None, customers.index)] if by is None else customers.groupby(by).groups.items()
    for month in pd.period_range("2023-01", "2025-12", freq="M"):
        first, last = month.start_time, month.end_time.normalize()
        active = (start < first) & (end.isna() | (end >= first))
        lost = active & (end <= last)
        for key, index in groups:
            rows.append(
                {
                    "month": str(month),
                    "group": key or "alle",
                    "rate": lost[index].sum() / active[index].sum(),
                }
            )
    return pd.DataFrame(rows).pivot(index="month", columns="group", values="rate")


BEFORE = [str(m) for m in pd.period_range("2023-10", "2024-03", freq="M")]
AFTER = ["2024-04", "2024-05", "2024-06"]


def early_ticket_groups(customers: pd.DataFrame, tickets: pd.DataFrame) -> pd.DataFrame:
    """New customers (start 2023-2024) with first-year churn and ≥ 2 tickets in 90 days."""
    start = customers.set_index("Kundennummer")["Vertragsbeginn"]
    age = (tickets["Erstellt am"] - tickets["Kundennummer"].map(start)).dt.days
    early = tickets[age < 90].groupby("Kundennummer").size()
    new = customers[
        (customers["Vertragsbeginn"] >= "2023-01-01")
        & (customers["Vertragsbeginn"] <= "2024-12-31")
    ].copy()
    new["trouble"] = new["Kundennummer"].map(early).fillna(0) >= 2
    tenure = (new["Vertragsende"] - new["Vertragsbeginn"]).dt.days
    new["lost_first_year"] = tenure < 365
    return new


# --------------------------------------------------------------------------- bytes


def test_regeneration_reproduces_committed_bytes(folder: Path) -> None:
    committed = (DATA / CHECKSUM_FILE).read_text(encoding="utf-8")
    assert (folder / CHECKSUM_FILE).read_text(encoding="utf-8") == committed
    lines = committed.splitlines()
    assert lines == sorted(lines, key=lambda line: line.split("  ", 1)[1])
    for line in lines:
        digest, name = line.split("  ", 1)
        assert sha256(DATA / name) == digest, f"data/{name} differs from checksums.sha256"
        assert sha256(folder / name) == digest, f"regenerated {name} differs"


def test_generate_all_lists_every_file(generated: tuple[Path, dict, float]) -> None:
    out, written, _ = generated
    assert tuple(written) == CLIENT_IDS
    listed = {
        line.split("  ", 1)[1]
        for line in (out / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines()
    }
    files = {p.relative_to(out).as_posix() for paths in written.values() for p in paths}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert listed == files == on_disk - {CHECKSUM_FILE}
    for client, paths in written.items():
        assert all(p.parent == out / client for p in paths)


def test_generation_is_fast_and_within_size_budget(generated: tuple[Path, dict, float]) -> None:
    _, written, seconds = generated
    assert seconds < 30
    sizes = [p.stat().st_size for paths in written.values() for p in paths]
    assert max(sizes) < 4 * MB
    assert sum(sizes) < 12 * MB


@pytest.mark.slow
def test_independent_of_hash_seed_timezone_and_locale(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONHASHSEED="12345", TZ="Pacific/Auckland", LC_ALL="C", LANG="C")
    subprocess.run(
        [sys.executable, "-m", "cxlib.demo", "--out", str(tmp_path)],
        check=True,
        env=env,
        capture_output=True,
    )
    committed = (DATA / CHECKSUM_FILE).read_text(encoding="utf-8")
    assert (tmp_path / CHECKSUM_FILE).read_text(encoding="utf-8") == committed


def test_xlsx_archives_have_fixed_metadata(folder: Path) -> None:
    for path in sorted((folder / CRAFT).glob("*.xlsx")):
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            assert [i.filename for i in infos] == sorted(i.filename for i in infos)
            assert {i.date_time for i in infos} == {(2026, 1, 1, 8, 0, 0)}
            core = archive.read("docProps/core.xml").decode("utf-8")
        assert "2026-01-01T08:00:00Z" in core


# --------------------------------------------------------------------------- parameters


def selected_journey(params) -> str:
    """Our coding of the seed rule (CX_METHOD.md), on mean ratings."""
    qualified = []
    for journey in params.workshop.journeys:
        if any(r.uncertain for r in journey.ratings):
            return "startphase"
        means = [
            np.mean([getattr(r, k) for r in journey.ratings])
            for k in ("frequency", "damage", "feasibility")
        ]
        if min(means) >= 3:
            qualified.append((np.prod(means), journey.id))
    return max(qualified)[1] if qualified else "startphase"


@pytest.mark.parametrize("client", CLIENT_IDS)
def test_parameter_file_validates_and_points_at_the_data(client: str) -> None:
    params = load_parameters(PARAMETERS / f"{client}.yaml")
    assert params.client.id == client
    assert params.language == "de"
    paths = params.data_paths()
    assert {"customers", "survey", "maturity"} <= set(paths)
    for path in paths.values():
        assert path.is_file()
        assert path.parent == (DATA / client).resolve()
    assert params.resolve(params.branding.logo).is_file()
    assert len(params.workshop.pain_points) == 3
    assert len(params.workshop.measures) == 3
    for measure in params.workshop.measures:
        assert 28 <= (measure.check_date - measure.start).days <= 42
    for journey in params.workshop.journeys:
        assert 3 <= len(journey.ratings) <= 5
    assert {j.name for j in params.workshop.journeys} >= {"Startphase", "Problemfall", "Geldphase"}


def test_workshop_ratings_select_the_documented_journeys() -> None:
    chosen = {c: selected_journey(load_parameters(PARAMETERS / f"{c}.yaml")) for c in CLIENT_IDS}
    assert chosen == {UTILITY: "geldphase", CRAFT: "problemfall", CAFE: "startphase"}
    for client, journey in chosen.items():
        params = load_parameters(PARAMETERS / f"{client}.yaml")
        assert {m.journey for m in params.workshop.measures} == {journey}
        assert {p.journey for p in params.workshop.pain_points} == {journey}


def test_client_specific_parameters() -> None:
    craft = load_parameters(PARAMETERS / f"{CRAFT}.yaml")
    assert "&" in craft.client.name
    assert craft.data.customers.header_row == 3
    cafe = load_parameters(PARAMETERS / f"{CAFE}.yaml")
    assert cafe.business_model == "non_contractual"
    assert cafe.analysis.survival.inactivity_days == 120
    uncertain = [r for j in cafe.workshop.journeys for r in j.ratings if r.uncertain]
    assert len(uncertain) == 1


# --------------------------------------------------------------------------- utility


def test_utility_export_dialect(folder: Path) -> None:
    raw = (folder / UTILITY / "kunden.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    text = raw.decode("cp1252")
    header = text.split("\r\n", 1)[0].split(";")
    assert header[:2] == ["Kundennummer", "Name"] and "Abschlag €/Monat" in header
    assert re.search(r";\d{2}\.\d{2}\.\d{4};", text)
    assert re.search(r";\d{1,3}\.\d{3},\d{2};", text)  # 1.234,00 (thousands separator)
    assert (folder / UTILITY / "befragung.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    customers = utility_customers(folder)
    assert 19_000 <= len(customers) <= 21_000
    assert customers["Kundennummer"].str.fullmatch(r"K-\d{6}").all()
    assert customers["Kundennummer"].is_unique
    # left truncation: most customers started before the window, with their true start
    before = customers["Vertragsbeginn"] < "2023-01-01"
    assert 0.6 <= before.mean() <= 0.7
    assert customers.loc[before, "Vertragsbeginn"].nunique() > 3000
    ended = customers["Vertragsende"].dropna()
    assert ended.min() >= pd.Timestamp("2023-01-01") and ended.max() <= pd.Timestamp("2025-12-31")


def test_utility_price_increase_spike(folder: Path) -> None:
    customers = utility_customers(folder)
    rates = monthly_churn(customers)["alle"]
    assert rates[AFTER].mean() >= 2 * rates[BEFORE].mean()
    by_channel = monthly_churn(customers, by="Vertriebskanal")
    ratio = by_channel.loc[AFTER].mean() / by_channel.loc[BEFORE].mean()
    others = ratio.drop("Vergleichsportal")
    assert ratio["Vergleichsportal"] >= 4
    assert ratio["Vergleichsportal"] >= 2 * others.max()


def test_utility_onboarding_trouble_doubles_first_year_churn(folder: Path) -> None:
    new = early_ticket_groups(utility_customers(folder), utility_tickets(folder))
    share = new.groupby("trouble")["lost_first_year"].mean()
    assert 0.08 <= new["trouble"].mean() <= 0.2
    assert 1.6 <= share[True] / share[False] <= 2.4


def test_utility_billing_tickets_rise_after_the_price_change(folder: Path) -> None:
    tickets = utility_tickets(folder)
    billing = tickets[tickets["Thema"] == "Rechnung"]
    per_month = billing.groupby(billing["Erstellt am"].dt.to_period("M").astype(str)).size()
    base = per_month[[str(m) for m in pd.period_range("2023-01", "2024-02", freq="M")]].mean()
    assert per_month[AFTER].mean() >= 2.2 * base
    assert per_month[[m for m in per_month.index if m >= "2025-01"]].mean() >= 1.2 * base
    assert set(tickets["Phase"]) <= set(utility_module.PHASES) | {"Onboarding"}


def test_utility_churn_reasons(folder: Path) -> None:
    customers = utility_customers(folder)
    lost = customers.dropna(subset=["Vertragsende"]).copy()
    month = lost["Vertragsende"].dt.to_period("M").astype(str)
    reasons = lost["Kündigungsgrund"].fillna("")
    assert set(reasons) == {"", "Umzug", "Preis", "Wettbewerber", "Service", "Sonstiges"}
    price = reasons.isin(["Preis", "Wettbewerber"])
    assert price[month.isin(AFTER)].mean() >= 0.6 > 0.35 >= price[~month.isin(AFTER)].mean()
    # Umzug does not react to the price increase: its monthly count stays flat
    moved = lost[reasons == "Umzug"].groupby(month[reasons == "Umzug"]).size()
    assert 0.7 <= moved[AFTER].mean() / moved[BEFORE].mean() <= 1.4


def test_utility_survey(folder: Path) -> None:
    survey = utility_survey(folder)
    assert 2_400 <= len(survey) <= 2_600
    assert survey["Welle"].nunique() == 6
    by_phase = survey.groupby("Phase")["Weiterempfehlung (0-10)"].apply(nps)
    assert by_phase["Verlängerung/Rechnung"] <= by_phase["Nutzung"] - 30
    assert by_phase["Service/Problemfall"] <= by_phase["Nutzung"] - 25
    by_wave = survey.groupby("Welle")["Weiterempfehlung (0-10)"].apply(nps)
    assert by_wave["2024-H1"] <= min(by_wave["2023-H1"], by_wave["2023-H2"]) - 30
    assert by_wave["2024-H1"] < by_wave["2024-H2"] < by_wave["2025-H2"]
    items = [c for c in survey.columns if c.startswith("item_")]
    corr = survey[items].corrwith(survey["Weiterempfehlung (0-10)"])
    assert list(corr.sort_values(ascending=False).index) == list(utility_module.DRIVER_WEIGHTS)


def test_utility_early_warning_signals(folder: Path) -> None:
    signals = utility_signals(folder)
    customers = utility_customers(folder).set_index("Kundennummer")
    assert signals["Kundennummer"].nunique() == 4000
    end = signals["Kundennummer"].map(customers["Vertragsende"])
    reason = signals["Kundennummer"].map(customers["Kündigungsgrund"]).fillna("")
    last = end.dt.to_period("M") == signals["Monat"].dt.to_period("M")
    leaving = last & (reason != "Umzug") & end.notna()
    staying = end.isna()
    assert leaving.sum() >= 100
    pay = signals["Zahlungsdauer"]
    contacts = signals["Kontakte"]
    assert pay[leaving].mean() >= pay[staying].mean() + 6
    assert contacts[leaving].mean() >= contacts[staying].mean() + 0.6
    # usage: last month relative to three months earlier, against stayers in the same months
    usage = signals.set_index(["Kundennummer", "Monat"])["Verbrauch kWh"]
    earlier = signals["Monat"] - pd.DateOffset(months=3)
    prior = usage.reindex(list(zip(signals["Kundennummer"], earlier, strict=True))).to_numpy()
    ratio = signals["Verbrauch kWh"] / prior
    month = signals["Monat"]
    stayers = ratio[staying].groupby(month[staying]).median()
    relative = (ratio[leaving] / month[leaving].map(stayers)).dropna()
    assert len(relative) >= 100
    assert relative.median() <= 0.85


# --------------------------------------------------------------------------- maturity


def test_maturity_profiles(folder: Path) -> None:
    utility = read_maturity(UTILITY, folder)
    for wave in ("2025-Q2", "2025-Q4"):
        scores = dimension_scores(utility[utility["wave"] == wave])
        assert set(scores.nsmallest(2).index) == {"D6", "D8"}, wave
    craft = read_maturity(CRAFT, folder)
    assert set(dimension_scores(craft).nsmallest(3).index) == {"D1", "D2", "D7"}
    assert craft["score"].isna().sum() == 4
    cafe = read_maturity(CAFE, folder)
    index = {
        UTILITY: dimension_scores(utility[utility["wave"] == "2025-Q2"]).mean(),
        CRAFT: dimension_scores(craft).mean(),
        CAFE: dimension_scores(cafe).mean(),
    }
    assert index[CRAFT] < index[CAFE] < index[UTILITY]
    for frame in (utility, craft, cafe):
        assert frame["score"].isna().sum() >= 1
        assert frame["score"].dropna().between(0, 4).all()
        assert frame["item"].str.fullmatch(r"D[1-8]\.[1-3]").all()
        assert frame["department"].nunique() >= 4
        assert 4 <= frame["respondent"].nunique() <= 8


def test_maturity_disagreement_and_second_wave(folder: Path) -> None:
    utility = read_maturity(UTILITY, folder)
    first = utility[utility["wave"] == "2025-Q2"]
    wide = first.pivot_table(index="item", columns="department", values="score", aggfunc="mean")
    for item in ("D8.1", "D8.2", "D6.2"):
        spread = first[first["item"] == item].set_index("respondent")["score"]
        assert spread.max() - spread.min() >= 2
        assert wide.loc[item, "Vertrieb"] - wide.loc[item, "IT"] >= 2
    change = dimension_scores(utility[utility["wave"] == "2025-Q4"]) - dimension_scores(first)
    assert set(change[change >= 10].index) == {"D3", "D5", "D6"}
    assert change.drop(["D3", "D5", "D6"]).abs().max() < 5


# --------------------------------------------------------------------------- craft


def test_craft_workbooks(folder: Path) -> None:
    path = folder / CRAFT / "export_handwerkersoftware.xlsx"
    title = pd.read_excel(path, sheet_name="Kunden", header=None, nrows=1).iloc[0, 0]
    assert title.startswith("Export aus Handwerkersoftware")
    customers = pd.read_excel(path, sheet_name="Kunden", header=2)
    assert len(customers) == 150 and customers["Kd.-Nr."].is_unique
    assert pd.api.types.is_datetime64_any_dtype(customers["Kunde seit"])
    calls = pd.read_excel(path, sheet_name="Einsätze")
    assert 250 <= len(calls) <= 350
    assert set(calls["Kd.-Nr."]) <= set(customers["Kd.-Nr."])
    winter = calls["Datum"].dt.month.isin([11, 12, 1, 2])
    breakdowns = calls["Anliegen"].isin(["Störung", "Notdienst"])
    per_month_winter = (breakdowns & winter).sum() / 4
    per_month_rest = (breakdowns & ~winter).sum() / 8
    assert per_month_winter >= 1.6 * per_month_rest
    survey = pd.read_excel(folder / CRAFT / "kundenbefragung_2025.xlsx", sheet_name="Antworten")
    assert 38 <= len(survey) <= 45
    by_occasion = survey.groupby("Anlass")["Weiterempfehlung"].apply(nps)
    assert by_occasion["Störung"] <= by_occasion["Wartung"] - 20


# --------------------------------------------------------------------------- café


def test_cafe_export_dialect_and_size(folder: Path) -> None:
    raw = (folder / CAFE / "pos_transactions.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    assert raw.split(b"\n", 1)[0] == b"receipt_id,card_id,date,amount_eur,category,store"
    assert re.search(rb",\d{4}-\d{2}-\d{2},\d+\.\d{2},", raw)
    transactions = pd.read_csv(folder / CAFE / "pos_transactions.csv", parse_dates=["date"])
    assert 60_000 <= len(transactions) <= 150_000
    assert transactions["receipt_id"].is_unique
    cards = pd.read_csv(folder / CAFE / "loyalty_cards.csv", parse_dates=["issued"])
    assert set(transactions["card_id"]) <= set(cards["card_id"])
    first = transactions.groupby("card_id")["date"].min()
    assert (first == cards.set_index("card_id")["issued"].reindex(first.index)).all()


def test_cafe_repeat_purchase_and_weak_store(folder: Path) -> None:
    transactions = pd.read_csv(folder / CAFE / "pos_transactions.csv", parse_dates=["date"])
    cards = pd.read_csv(folder / CAFE / "loyalty_cards.csv")
    counts = transactions.groupby("card_id").size().reindex(cards["card_id"]).fillna(0)
    assert 0.25 <= (counts == 1).mean() <= 0.4
    ordered = transactions.sort_values(["card_id", "date"])
    gaps = ordered.groupby("card_id")["date"].diff().dt.days.dropna()
    assert 5 <= gaps.median() <= 25 and gaps.mean() > 1.5 * gaps.median()  # right-skewed
    repeat = (counts >= 2).groupby(cards["home_store"].to_numpy()).mean()
    assert repeat["Bahnhof"] <= repeat.drop("Bahnhof").min() - 0.1
    survey = pd.read_csv(folder / CAFE / "feedback.csv")
    assert 550 <= len(survey) <= 650
    top2 = (survey["csat"] >= 4).groupby(survey["store"]).mean()
    assert top2["Bahnhof"] <= top2.drop("Bahnhof").min() - 0.1


def test_cafe_christmas_season(folder: Path) -> None:
    transactions = pd.read_csv(folder / CAFE / "pos_transactions.csv", parse_dates=["date"])
    revenue = transactions.groupby(transactions["date"].dt.to_period("M"))["amount_eur"].sum()
    for year in (2024, 2025):
        months = revenue[[pd.Period(f"{year}-{m:02d}", "M") for m in range(1, 11)]]
        assert revenue[pd.Period(f"{year}-12", "M")] >= 1.8 * months.mean()


# --------------------------------------------------------------------------- privacy


def test_only_synthetic_personal_data(folder: Path) -> None:
    names = utility_customers(folder)["Name"]
    private = {f"{f} {n}" for f in utility_module.FIRST_NAMES for n in utility_module.LAST_NAMES}
    business = {f"{b} {n}" for b in utility_module.BUSINESSES for n in utility_module.LAST_NAMES}
    assert names.isin(private | business).all()
    pattern = re.compile(rb"@|\bDE\d{20}\b|\+49|\b0\d{3,4}[ /-]?\d{5,}")
    for path in sorted(folder.rglob("*.csv")):
        assert not pattern.search(path.read_bytes()), path
