"""Demo client 2: Berger Haustechnik GmbH & Co. KG, a heating/plumbing business (B2B).

About 150 maintenance-contract customers since 2009, about 300 service calls
("Einsätze") in 2023-2025 with a winter peak of breakdowns, and a paper
survey with 41 answers in 2025 (the small-sample case). Exported as XLSX
from the trade software: the customer sheet has a title row above the
header, dates are real Excel dates, customer numbers are plain numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.demo.common import (
    DAY,
    Sheet,
    choice,
    day,
    likert,
    month_ends,
    month_starts,
    to_python_dates,
    uniform_days,
    wordmark_svg,
    words,
    write_bytes,
    write_xlsx,
)
from cxlib.demo.maturity import MaturityProfile, Respondent, Wave, generate_maturity

CLIENT_ID = "berger-haustechnik"
CLIENT_NAME = "Berger Haustechnik GmbH & Co. KG"
SEED = 2026_0115
ACCENT = "#1d6a72"

DATA_END = day("2025-12-31")
CALLS_START = day("2023-01-01")
N_CUSTOMERS = 150
FIRST_NUMBER = 10001

SEGMENTS = ("Hausverwaltung", "Gewerbe", "WEG", "Öffentliche Einrichtung", "Privat")
PRODUCTS = ("Wartung Basis", "Wartung Komfort", "Rundum-Sorglos")
PLACES = ("Stadtgebiet", "Landkreis Nord", "Landkreis Süd", "Nachbarkreis")
CHANNELS = ("Empfehlung", "Website", "Bestandskunde Heizungstausch", "Messe")
REASONS = ("Objekt verkauft", "Preis", "Wettbewerber", "Service", "Sonstiges")
ANNUAL_CHURN = 0.035  # hazard per year after the 12-month minimum term

#: Service calls per month (before the winter factor) and the winter factor
#: (November-February) per category.
CALL_RATES = {
    "Störung": (2.4, 2.2),
    "Notdienst": (0.45, 2.5),
    "Rechnung/Reklamation": (0.9, 1.0),
    "Terminänderung": (1.4, 1.0),
    "Angebot/Anfrage": (1.4, 1.0),
}
REWORK = {"Störung": 0.18, "Notdienst": 0.12}  # share with "Nacharbeit"; others 3 %

NAMES = words(
    "Adler Albrecht Baumann Berndt Dietrich Eckert Falk Friedrich Graf Haas Heinrich Jung "
    "Kaiser Keller Kramer Kuhn Lindner Ludwig Marx Mayer Nowak Otto Paul Peters Ritter "
    "Roth Sauer Seidel Simon Sommer Stein Vogt Walter Wendt Winter Ziegler"
)
STREETS = words(
    "Ahornweg Birkenallee Gartenstraße Lindenring Mühlenweg Parkstraße Rosenhof "
    "Schillerplatz Talblick Weinbergstraße"
)


def _customers(rng: np.random.Generator) -> pd.DataFrame:
    n = N_CUSTOMERS
    years = np.arange(2009, 2026)
    weights = np.linspace(1.0, 2.6, len(years))
    year = choice(rng, years, weights, n).astype(int)
    first = np.array([np.datetime64(f"{y}-01-01", "D") for y in year])
    last = np.array([np.datetime64(f"{y}-12-31", "D") for y in year])
    start = np.minimum(uniform_days(rng, first, last), DATA_END - 20 * DAY)
    order = np.argsort(start, kind="stable")
    start = start[order]

    segment = choice(rng, SEGMENTS, (0.35, 0.28, 0.15, 0.08, 0.14), n)
    product = choice(rng, PRODUCTS, (0.40, 0.40, 0.20), n)
    base = {"Wartung Basis": 32.0, "Wartung Komfort": 75.0, "Rundum-Sorglos": 210.0}
    size = np.where(np.isin(segment, ("Gewerbe", "Öffentliche Einrichtung")), 1.6, 1.0)
    size = np.where(segment == "Privat", 0.7, size)
    revenue = pd.Series(product).map(base).to_numpy() * size * rng.lognormal(0.0, 0.25, n)
    revenue = np.round(revenue * 2) / 2  # half euros

    # end of contract: 12 months minimum term, then a constant hazard; end of a month
    years_to_end = 1.0 + rng.exponential(1 / ANNUAL_CHURN, n)
    end = start + np.round(years_to_end * 365.25).astype("timedelta64[D]")
    end = month_ends(end.astype("datetime64[M]").astype("datetime64[D]"))
    end[end > DATA_END] = np.datetime64("NaT")
    reason = np.where(np.isnat(end), "", choice(rng, REASONS, (0.3, 0.25, 0.2, 0.15, 0.1), n))

    upgrade = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    takes = (product == "Wartung Basis") & (rng.random(n) < 0.15)
    high = np.where(np.isnat(end), DATA_END, end)
    takes &= start + 365 * DAY <= high
    upgrade[takes] = uniform_days(rng, start[takes] + 365 * DAY, high[takes])

    names = np.array(NAMES, dtype=object)[rng.integers(0, len(NAMES), n)]
    streets = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)]
    firm = np.select(
        [
            segment == "Hausverwaltung",
            segment == "Gewerbe",
            segment == "WEG",
            segment == "Öffentliche Einrichtung",
        ],
        [
            "Hausverwaltung " + names + " GmbH",
            names + " & Söhne KG",
            "WEG " + streets,
            "Kita " + streets,
        ],
        "Familie " + names,
    )
    return pd.DataFrame(
        {
            "customer_id": np.arange(FIRST_NUMBER, FIRST_NUMBER + n),
            "firm": firm,
            "segment": segment,
            "product": product,
            "region": choice(rng, PLACES, (0.45, 0.25, 0.2, 0.1), n),
            "channel": choice(rng, CHANNELS, (0.45, 0.2, 0.25, 0.1), n),
            "start_date": start,
            "end_date": end,
            "revenue_month": revenue,
            "churn_reason": reason,
            "upgrade_date": upgrade,
        }
    )


def _calls(rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    ms = month_starts("2023-01", "2025-12")
    me = month_ends(ms)
    winter = np.isin(ms.astype("datetime64[M]").astype(int) % 12, (10, 11, 0, 1))
    start = cust["start_date"].to_numpy().astype("datetime64[D]")
    end = cust["end_date"].to_numpy().astype("datetime64[D]")
    weight = pd.Series(cust["product"]).map(
        {"Wartung Basis": 1.0, "Wartung Komfort": 1.3, "Rundum-Sorglos": 1.8}
    )
    parts = []
    for m0, m1, cold in zip(ms, me, winter, strict=True):
        active = np.flatnonzero((start <= m0) & (np.isnat(end) | (end >= m1)))
        w = weight.to_numpy()[active]
        for category, (rate, factor) in CALL_RATES.items():
            k = int(rng.poisson(rate * (factor if cold else 1.0)))
            if not k:
                continue
            parts.append(
                pd.DataFrame(
                    {
                        "cust": rng.choice(active, size=k, p=w / w.sum()),
                        "opened": uniform_days(rng, np.full(k, m0), np.full(k, m1)),
                        "category": category,
                    }
                )
            )
    t = pd.concat(parts, ignore_index=True)
    n = len(t)
    category = t["category"].to_numpy()
    opened = t["opened"].to_numpy().astype("datetime64[D]")
    days = np.select(
        [category == "Notdienst", category == "Störung", category == "Rechnung/Reklamation"],
        [rng.integers(0, 2, n), rng.integers(0, 6, n), rng.integers(3, 21, n)],
        rng.integers(1, 15, n),
    )
    closed = opened + days.astype("timedelta64[D]")
    closed[closed > DATA_END] = np.datetime64("NaT")
    p = pd.Series(category).map(REWORK).fillna(0.03).to_numpy()
    rework = np.where(rng.random(n) < p, "ja", "nein")
    channel = np.where(
        category == "Notdienst",
        "Notdienst-Hotline",
        choice(rng, ("Telefon", "E-Mail"), (0.7, 0.3), n),
    )
    order = np.lexsort((t["cust"].to_numpy(), opened.astype(np.int64)))
    year = opened[order].astype("datetime64[Y]").astype(int) + 1970
    counter = np.zeros(n, dtype=int)
    for y in np.unique(year):
        sel = year == y
        counter[sel] = np.arange(1, sel.sum() + 1)
    return pd.DataFrame(
        {
            "ticket_id": [f"E-{y}-{k:04d}" for y, k in zip(year, counter, strict=True)],
            "customer_id": cust["customer_id"].to_numpy()[t["cust"].to_numpy()[order]],
            "opened": opened[order],
            "closed": closed[order],
            "category": category[order],
            "reopened": rework[order],
            "channel": channel[order],
        }
    )


N_SURVEY = 41
ITEMS = ("item_puenktlichkeit", "item_sauberkeit", "item_erklaerung", "item_erreichbarkeit")
OCCASION_EFFECT = {"Wartung": 0.5, "Störung": -0.45}
COMMENTS = {
    "Wartung": ("Sehr sauber gearbeitet.", "Termin wurde eingehalten, danke!"),
    "Störung": (
        "Im Winter zwei Tage ohne Heizung - zu lange.",
        "Telefonisch schwer erreichbar.",
        "Techniker musste zweimal kommen.",
    ),
}


def _survey(rng: np.random.Generator) -> pd.DataFrame:
    n = N_SURVEY
    occasion = choice(rng, ("Wartung", "Störung"), (0.65, 0.35), n)
    date = np.sort(uniform_days(rng, np.full(n, day("2025-02-01")), np.full(n, day("2025-12-15"))))
    common = pd.Series(occasion).map(OCCASION_EFFECT).to_numpy() + rng.normal(0.0, 1.0, n)
    items = {}
    for item in ITEMS:
        shift = -0.5 if item == "item_erreichbarkeit" else 0.0
        z = 0.6 * common + 0.8 * rng.normal(0.0, 1.0, n) + np.where(occasion == "Störung", shift, 0)
        items[item] = likert(z, 3.9, 0.8, 1, 5)
    latent = 0.8 * common + 0.6 * rng.normal(0.0, 1.0, n)
    comment = np.full(n, "", dtype=object)
    has = rng.random(n) < 0.3
    for occ, texts in COMMENTS.items():
        sel = has & (occasion == occ)
        comment[sel] = choice(rng, texts, [1.0] * len(texts), int(sel.sum()))
    return pd.DataFrame(
        {
            "response_id": np.arange(1, n + 1),
            "date": date,
            "touchpoint": occasion,
            "nps": likert(latent, 8.3, 1.7, 0, 10),
            "csat": likert(0.9 * common + 0.45 * rng.normal(0.0, 1.0, n), 4.1, 0.8, 1, 5),
            **items,
            "comment": comment,
        }
    )


MATURITY = MaturityProfile(
    dimension_means={
        "D1": 0.8,
        "D2": 1.0,
        "D3": 1.8,
        "D4": 1.5,
        "D5": 1.6,
        "D6": 1.7,
        "D7": 0.9,
        "D8": 2.0,
    },
    respondents=(
        Respondent("GF", "Geschäftsführung", 0.3),
        Respondent("Büro-1", "Büro/Buchhaltung", 0.0),
        Respondent("KD-1", "Kundendienst", -0.1),
        Respondent("KD-2", "Kundendienst", 0.0),
        Respondent("Meister", "Technik", -0.2),
    ),
    waves=(Wave(None, blanks=4),),
    noise=0.35,
)


def build() -> dict[str, pd.DataFrame]:
    """All tables with canonical column names and typed values."""
    rng = np.random.default_rng(SEED)
    cust = _customers(rng)
    return {
        "customers": cust,
        "tickets": _calls(rng, cust),
        "survey": _survey(rng),
        "maturity": generate_maturity(rng, MATURITY),
    }


def _cells(values: pd.Series | np.ndarray) -> list:
    """Plain Python cell values (NaN → empty cell, numpy scalars → Python)."""
    out = []
    for value in np.asarray(values, dtype=object):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
            out.append(None)
        elif isinstance(value, np.integer):
            out.append(int(value))
        elif isinstance(value, np.floating):
            out.append(float(value))
        else:
            out.append(value)
    return out


def _rows(columns: list[list]) -> list[list]:
    return [list(row) for row in zip(*columns, strict=True)]


def write(out_dir: Path) -> list[Path]:
    """Write the trade-software export (XLSX) into ``out_dir``."""
    tables = build()
    folder = out_dir / CLIENT_ID
    c = tables["customers"]
    date_fmt = "DD.MM.YYYY"
    euro_fmt = '#,##0.00 "€"'
    kunden = Sheet(
        name="Kunden",
        title_rows=["Export aus Handwerkersoftware, Stand 31.12.2025", ""],
        header=[
            "Kd.-Nr.",
            "Firma",
            "Kundentyp",
            "Vertrag",
            "Ort",
            "Akquisekanal",
            "Kunde seit",
            "Vertragsende",
            "Wartungspauschale €/Monat",
            "Kündigungsgrund",
            "Upgrade",
        ],
        rows=_rows(
            [
                _cells(c["customer_id"]),
                _cells(c["firm"]),
                _cells(c["segment"]),
                _cells(c["product"]),
                _cells(c["region"]),
                _cells(c["channel"]),
                to_python_dates(c["start_date"].to_numpy()),
                to_python_dates(c["end_date"].to_numpy()),
                _cells(c["revenue_month"]),
                _cells(c["churn_reason"]),
                to_python_dates(c["upgrade_date"].to_numpy()),
            ]
        ),
        formats={
            "Kunde seit": date_fmt,
            "Vertragsende": date_fmt,
            "Upgrade": date_fmt,
            "Wartungspauschale €/Monat": euro_fmt,
        },
        widths={"Firma": 32, "Kundentyp": 24, "Akquisekanal": 28},
    )
    t = tables["tickets"]
    einsaetze = Sheet(
        name="Einsätze",
        header=[
            "Auftrag",
            "Kd.-Nr.",
            "Datum",
            "Erledigt",
            "Anliegen",
            "Nacharbeit",
            "Eingang über",
        ],
        rows=_rows(
            [
                _cells(t["ticket_id"]),
                _cells(t["customer_id"]),
                to_python_dates(t["opened"].to_numpy()),
                to_python_dates(t["closed"].to_numpy()),
                _cells(t["category"]),
                _cells(t["reopened"]),
                _cells(t["channel"]),
            ]
        ),
        formats={"Datum": date_fmt, "Erledigt": date_fmt},
        widths={"Anliegen": 22, "Eingang über": 18},
    )
    s = tables["survey"]
    umfrage = Sheet(
        name="Antworten",
        header=[
            "Fragebogen-Nr",
            "Datum",
            "Anlass",
            "Weiterempfehlung",
            "Zufriedenheit",
            *ITEMS,
            "Anmerkung",
        ],
        rows=_rows(
            [
                _cells(s["response_id"]),
                to_python_dates(s["date"].to_numpy()),
                _cells(s["touchpoint"]),
                _cells(s["nps"]),
                _cells(s["csat"]),
                *[_cells(s[item]) for item in ITEMS],
                _cells(s["comment"]),
            ]
        ),
        formats={"Datum": date_fmt},
        widths={"Anmerkung": 44},
    )
    m = tables["maturity"]
    reife = Sheet(
        name="Reifegrad",
        header=["Person", "Bereich", "Frage", "Punkte"],
        rows=_rows(
            [
                _cells(m["respondent"]),
                _cells(m["department"]),
                _cells(m["item"]),
                [None if np.isnan(v) else int(v) for v in m["score"]],
            ]
        ),
        widths={"Bereich": 20},
    )
    return [
        write_xlsx(
            folder / "export_handwerkersoftware.xlsx", [kunden, einsaetze], title=CLIENT_NAME
        ),
        write_xlsx(folder / "kundenbefragung_2025.xlsx", [umfrage], title="Kundenbefragung 2025"),
        write_xlsx(folder / "reifegrad_workshop.xlsx", [reife], title="Reifegrad-Workshop"),
        write_bytes(
            folder / "logo.svg",
            wordmark_svg("Berger Haustechnik", "GmbH & Co. KG · Heizung · Sanitär", ACCENT).encode(
                "utf-8"
            ),
        ),
    ]
