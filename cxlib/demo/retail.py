"""Demo client 3: Café Bohnenglück, a coffee roaster with four cafés and an online shop.

Non-contractual: the loyalty card ("Bohnenkarte", launched 01.03.2023) is the
customer; every card purchase until 31.12.2025 is a transaction. Purchases
follow a "buy till you die" process: each card holder buys as a Poisson
process with an individual rate (gamma-distributed across customers) in a
calendar time that runs faster before Christmas and on Saturdays; after the
first purchase a share never returns, and after every later purchase a
customer drops out with a small probability. The Bahnhof café has a worse
experience (lower CSAT in the survey) and more customers who never return.

The export mimics an English-language POS system: UTF-8 without BOM, ','
separator, decimal point, ISO dates, English headers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.demo.common import (
    choice,
    choice_rows,
    day,
    format_ints,
    format_numbers,
    iso_dates,
    likert,
    month_ends,
    month_starts,
    uniform_days,
    wordmark_svg,
    write_bytes,
    write_csv,
)
from cxlib.demo.maturity import MaturityProfile, Respondent, Wave, generate_maturity

CLIENT_ID = "cafe-bohnenglueck"
SEED = 2026_0120
ACCENT = "#8a5a2b"

LAUNCH = day("2023-03-01")
DATA_END = day("2025-12-31")

STORES = ("Altstadt", "Südstadt", "Bahnhof", "Universität", "Online-Shop")
STORE_MIX = (0.30, 0.22, 0.18, 0.18, 0.12)
#: Share of new card holders who never come back after their first purchase.
NEVER_RETURN = {
    "Altstadt": 0.22,
    "Südstadt": 0.22,
    "Bahnhof": 0.45,
    "Universität": 0.25,
    "Online-Shop": 0.28,
}
#: Mean dropout probability after each later purchase (beta distributed).
DROPOUT = {"Altstadt": 0.05, "Südstadt": 0.05, "Bahnhof": 0.09, "Universität": 0.06}
DROPOUT_ONLINE = 0.08
MEAN_GAP_DAYS = {"Privat": 24.0, "Firmenkunde": 9.0}  # mean of the purchase-rate prior
RATE_SHAPE = 1.1
LAUNCH_CARDS = 700
CARDS_PER_MONTH = 168.0
SURVEY_SIZE = 600

CATEGORIES = ("Getränk", "Gebäck", "Bohnen", "Zubehör", "Geschenk")
PRICES = {
    "Getränk": (3.20, 3.60, 3.90, 4.30, 4.80),
    "Gebäck": (2.40, 2.90, 3.50),
    "Bohnen": (8.90, 9.90, 12.50, 14.90, 29.90, 34.90),
    "Zubehör": (12.90, 19.90, 39.00, 89.00),
    "Geschenk": (19.90, 24.90, 34.90, 49.90),
}


def day_intensity(days: np.ndarray) -> np.ndarray:
    """Relative shopping intensity per calendar day (Christmas, Saturdays, summer)."""
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    dom = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    weekday = (days.astype(np.int64) + 3) % 7  # 0 = Monday
    by_month = np.array([0.9, 0.9, 1.0, 1.0, 1.0, 0.95, 0.85, 0.8, 1.0, 1.05, 1.2, 1.45])
    out = by_month[month - 1] * np.array([1.0, 1.0, 1.0, 1.0, 1.05, 1.25, 0.7])[weekday]
    out = np.where((month == 12) & (dom <= 23), out * 1.15, out)
    closed = ((month == 12) & ((dom == 25) | (dom == 26))) | ((month == 1) & (dom == 1))
    return np.where(closed, 0.0, out)


def _cards(rng: np.random.Generator) -> pd.DataFrame:
    ms = month_starts("2023-03", "2025-12")
    me = month_ends(ms)
    moy = ms.astype("datetime64[M]").astype(int) % 12
    season = np.array([0.9, 0.9, 1.0, 1.0, 1.0, 0.95, 0.85, 0.8, 1.0, 1.05, 1.25, 1.5])
    growth = np.linspace(1.0, 1.25, len(ms))
    counts = rng.poisson(CARDS_PER_MONTH * season[moy] * growth)
    counts[0] += LAUNCH_CARDS
    issued = uniform_days(rng, np.repeat(ms, counts), np.repeat(me, counts))
    for _ in range(2):  # cards are issued on opening days only
        issued = np.where(day_intensity(issued) == 0, issued + 1, issued)
    issued = issued[np.argsort(issued, kind="stable")]
    n = len(issued)
    store = choice(rng, STORES, STORE_MIX, n)
    online = store == "Online-Shop"
    firm = rng.random(n) < 0.07
    channel = np.where(online, "Online-Shop", choice(rng, ("Filiale", "App"), (0.85, 0.15), n))
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(1, n + 1)],
            "start_date": issued,
            "segment": np.where(firm, "Firmenkunde", "Privat"),
            "region": store,
            "channel": channel,
        }
    )


def _purchases(rng: np.random.Generator, cards: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(customer index, day) of every purchase, first purchase on the issue day."""
    days = np.arange(LAUNCH, DATA_END + 1)
    clock = np.cumsum(day_intensity(days))  # operational time at the end of each day
    n = len(cards)
    issued = cards["start_date"].to_numpy().astype("datetime64[D]")
    store = cards["region"].to_numpy()
    mean_gap = pd.Series(cards["segment"]).map(MEAN_GAP_DAYS).to_numpy()
    rate = np.minimum(rng.gamma(RATE_SHAPE, 1.0 / (RATE_SHAPE * mean_gap)), 0.5)
    never = rng.random(n) < pd.Series(store).map(NEVER_RETURN).to_numpy()
    drop_mean = np.where(store == "Online-Shop", DROPOUT_ONLINE, pd.Series(store).map(DROPOUT))
    drop_mean = np.asarray(drop_mean, dtype=float)
    dropout = rng.beta(2.0, 2.0 * (1 - drop_mean) / drop_mean)

    first_idx = (issued - LAUNCH).astype(np.int64)
    cust_parts = [np.arange(n)]
    day_parts = [first_idx]
    position = clock[first_idx] - 0.5 * day_intensity(issued)  # mid of the issue day
    alive = np.flatnonzero(~never)
    while len(alive):
        position[alive] += rng.exponential(1.0, len(alive)) / rate[alive]
        idx = np.searchsorted(clock, position[alive], side="left")
        inside = idx < len(days)
        alive, idx = alive[inside], idx[inside]
        cust_parts.append(alive)
        day_parts.append(idx)
        alive = alive[rng.random(len(alive)) >= dropout[alive]]
    cust = np.concatenate(cust_parts)
    when = days[np.concatenate(day_parts)]
    return cust, when


def _transactions(rng: np.random.Generator, cards: pd.DataFrame) -> pd.DataFrame:
    cust, when = _purchases(rng, cards)
    n = len(cust)
    home = cards["region"].to_numpy()[cust]
    firm = cards["segment"].to_numpy()[cust] == "Firmenkunde"
    elsewhere = rng.random(n) < np.where(home == "Online-Shop", 0.10, 0.15)
    other = choice(rng, STORES, (0.27, 0.2, 0.16, 0.17, 0.20), n)
    store = np.where(elsewhere, other, home)
    online = store == "Online-Shop"
    month = when.astype("datetime64[M]").astype(int) % 12 + 1
    xmas = (month == 11) | (month == 12)
    probs = np.tile(np.array([0.56, 0.16, 0.22, 0.03, 0.03]), (n, 1))
    probs[xmas] = [0.45, 0.12, 0.26, 0.04, 0.13]
    probs[online] = [0.0, 0.0, 0.75, 0.15, 0.10]
    probs[online & xmas] = [0.0, 0.0, 0.62, 0.10, 0.28]
    probs[firm & ~online] = [0.30, 0.10, 0.52, 0.05, 0.03]
    category = choice_rows(rng, CATEGORIES, probs)
    amount = np.zeros(n)
    for cat, prices in PRICES.items():
        sel = np.flatnonzero(category == cat)
        price = np.array(prices)[rng.integers(0, len(prices), len(sel))]
        if cat == "Getränk":
            qty = choice(rng, (1, 2, 3), (0.7, 0.22, 0.08), len(sel)).astype(int)
        elif cat == "Bohnen":
            qty = np.where(firm[sel], choice(rng, (1, 2, 4), (0.4, 0.4, 0.2), len(sel)), 1)
        else:
            qty = np.ones(len(sel), dtype=int)
        amount[sel] = np.round(price * qty.astype(float), 2)
    order = np.lexsort((cust, when.astype(np.int64)))
    return pd.DataFrame(
        {
            "transaction_id": [f"B{i:07d}" for i in range(1, n + 1)],
            "customer_id": cards["customer_id"].to_numpy()[cust[order]],
            "date": when[order],
            "amount": amount[order],
            "category": category[order],
            "store": store[order],
            "_cust": cust[order],
        }
    )


STORE_EFFECT = {
    "Altstadt": 0.15,
    "Südstadt": 0.1,
    "Bahnhof": -0.9,
    "Universität": 0.0,
    "Online-Shop": 0.05,
}
ITEMS = ("item_geschmack", "item_wartezeit", "item_freundlichkeit", "item_preis_leistung")
COMMENTS = {
    "Bahnhof": (
        "Lecker, aber lange Schlange am Morgen",
        "Unfreundlich, Bestellung vergessen",
        "Zu wenig Personal, 15 Minuten gewartet",
    ),
    "other": (
        "Bester Espresso der Stadt",
        'Die Bohne "Hausmischung", bitte wieder mit Kakaonoten!',
        "Schöne Atmosphäre, gerne wieder",
        "Karte vergessen, Punkte bitte nachtragen",
    ),
}


def _survey(rng: np.random.Generator, tx: pd.DataFrame) -> pd.DataFrame:
    """Receipt-QR survey in 2024-2025 for a random sample of card purchases."""
    dates = tx["date"].to_numpy().astype("datetime64[D]")
    pool = np.flatnonzero((dates >= day("2024-01-01")) & (dates <= day("2025-12-20")))
    pick = np.sort(rng.choice(pool, size=SURVEY_SIZE, replace=False))
    cust = tx["_cust"].to_numpy()
    first_seen = pd.Series(np.arange(len(tx))).groupby(cust).transform("min").to_numpy()
    first_purchase = first_seen == np.arange(len(tx))
    store = tx["store"].to_numpy()[pick]
    n = SURVEY_SIZE
    common = pd.Series(store).map(STORE_EFFECT).to_numpy() + rng.normal(0.0, 1.0, n)
    bahnhof = store == "Bahnhof"
    shifts = {
        "item_geschmack": np.where(bahnhof, 0.6, 0.3),
        "item_wartezeit": np.where(bahnhof, -0.9, 0.0),
        "item_freundlichkeit": np.where(bahnhof, -0.4, 0.1),
        "item_preis_leistung": np.zeros(n),
    }
    out = pd.DataFrame(
        {
            "response_id": [f"R{i:04d}" for i in range(1, n + 1)],
            "customer_id": tx["customer_id"].to_numpy()[pick],
            "date": dates[pick] + rng.integers(0, 4, n).astype("timedelta64[D]"),
            "touchpoint": store,
            "phase": np.where(first_purchase[pick], "Kauf/Abschluss", "Nutzung"),
        }
    )
    out["nps"] = likert(0.85 * common + 0.55 * rng.normal(0.0, 1.0, n), 8.4, 1.8, 0, 10)
    out["csat"] = likert(0.85 * common + 0.5 * rng.normal(0.0, 1.0, n), 4.15, 0.85, 1, 5)
    for item in ITEMS:
        z = 0.6 * common + 0.8 * rng.normal(0.0, 1.0, n) + shifts[item]
        out[item] = likert(z, 3.8, 0.85, 1, 5)
    comment = np.full(n, "", dtype=object)
    has = rng.random(n) < 0.12
    for key, texts in COMMENTS.items():
        sel = has & (bahnhof if key == "Bahnhof" else ~bahnhof)
        comment[sel] = choice(rng, texts, [1.0] * len(texts), int(sel.sum()))
    out["comment"] = comment
    return out


MATURITY = MaturityProfile(
    dimension_means={
        "D1": 2.2,
        "D2": 1.8,
        "D3": 2.3,
        "D4": 1.9,
        "D5": 1.6,
        "D6": 1.5,
        "D7": 2.1,
        "D8": 1.7,
    },
    respondents=(
        Respondent("R1", "Geschäftsführung", 0.3),
        Respondent("R2", "Filialleitung", 0.0),
        Respondent("R3", "Filialleitung", -0.2),
        Respondent("R4", "Rösterei", 0.0),
        Respondent("R5", "Marketing", 0.1),
        Respondent("R6", "Online-Shop/IT", -0.2),
    ),
    waves=(Wave(None, blanks=2),),
    noise=0.35,
)


def build() -> dict[str, pd.DataFrame]:
    """All tables with canonical column names and typed values."""
    rng = np.random.default_rng(SEED)
    cards = _cards(rng)
    tx = _transactions(rng, cards)
    survey = _survey(rng, tx)
    maturity = generate_maturity(rng, MATURITY)
    return {"customers": cards, "transactions": tx, "survey": survey, "maturity": maturity}


def write(out_dir: Path) -> list[Path]:
    """Write the POS export (English CSV dialect) into ``out_dir``."""
    tables = build()
    c = tables["customers"]
    cards = pd.DataFrame(
        {
            "card_id": c["customer_id"],
            "issued": iso_dates(c["start_date"].to_numpy()),
            "segment": c["segment"],
            "home_store": c["region"],
            "signup_channel": c["channel"],
        }
    )
    t = tables["transactions"]
    transactions = pd.DataFrame(
        {
            "receipt_id": t["transaction_id"],
            "card_id": t["customer_id"],
            "date": iso_dates(t["date"].to_numpy()),
            "amount_eur": format_numbers(t["amount"], 2),
            "category": t["category"],
            "store": t["store"],
        }
    )
    s = tables["survey"]
    survey = pd.DataFrame(
        {
            "response_id": s["response_id"],
            "card_id": s["customer_id"],
            "date": iso_dates(s["date"].to_numpy()),
            "store": s["touchpoint"],
            "phase": s["phase"],
            "nps": format_ints(s["nps"]),
            "csat": format_ints(s["csat"]),
            **{item: format_ints(s[item]) for item in ITEMS},
            "comment": s["comment"],
        }
    )
    m = tables["maturity"]
    maturity = pd.DataFrame(
        {
            "respondent": m["respondent"],
            "department": m["department"],
            "item": m["item"],
            "score": format_ints(m["score"]),
        }
    )
    folder = out_dir / CLIENT_ID
    return [
        write_csv(folder / "loyalty_cards.csv", cards, sep=",", encoding="utf-8"),
        write_csv(folder / "pos_transactions.csv", transactions, sep=",", encoding="utf-8"),
        write_csv(folder / "feedback.csv", survey, sep=",", encoding="utf-8"),
        write_csv(folder / "maturity.csv", maturity, sep=",", encoding="utf-8"),
        write_bytes(
            folder / "logo.svg",
            wordmark_svg("Bohnenglück", "Rösterei & Cafés", ACCENT).encode("utf-8"),
        ),
    ]
