"""Demo client 1: Stadtwerke Lindenau, a municipal energy utility (contractual).

About 20,000 customers (Privat and Gewerbe) seen from 01.01.2023 to
31.12.2025; about two thirds were already customers before the window and
keep their true start date (left truncation). Churn is simulated month by
month from a hazard with these planted effects (numbers in
``docs/demo-data.md``):

* a price increase (announced 01.03.2024, effective 01.04.2024) multiplies
  the experience-related hazard in April-June 2024, far more in the
  Vergleichsportal channel;
* customers with two or more tickets in their first 90 days have about
  twice the hazard in their first year;
* moving house (Umzug) is a constant hazard, independent of everything else.

Tickets, six half-yearly survey waves, early-warning signals for a sample
of customers in 2025 and two maturity waves complete the data. The export
mimics a German CRM: cp1252, ';', decimal comma, 31.12.2025 dates, German
headers and a (synthetic) name column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.demo.common import (
    DAY,
    choice,
    choice_rows,
    day,
    de_dates,
    format_ints,
    format_numbers,
    likert,
    month_ends,
    month_starts,
    uniform_days,
    wordmark_svg,
    words,
    write_bytes,
    write_csv,
)
from cxlib.demo.maturity import MaturityProfile, Respondent, Wave, generate_maturity

CLIENT_ID = "stadtwerke-lindenau"
SEED = 2026_0131
ACCENT = "#00704a"

WINDOW_START = day("2023-01-01")
WINDOW_END = day("2025-12-31")
PRICE_ANNOUNCED = day("2024-03-01")
PRICE_EFFECTIVE = day("2024-04-01")

N_STOCK = 13_200  # customers active on 01.01.2023
NEW_PER_MONTH = 185.0  # mean acquisitions per month (before seasonality)

SEGMENTS = ("Privat", "Gewerbe")
TARIFFS = (
    "Grundversorgung",
    "Lindenau Strom Fix",
    "Lindenau Öko",
    "Gas Komfort",
    "Lindenau Gewerbe",
)
CHANNELS = ("Vergleichsportal", "Website", "Kundenzentrum", "Außendienst")
REGIONS = ("Lindenau-Mitte", "Lindenau-Nord", "Lindenau-Süd", "Auenwald", "Seehausen")
REASONS = ("Umzug", "Preis", "Wettbewerber", "Service", "Sonstiges")

# --- churn hazard (per month); documented in docs/demo-data.md --------------------
UMZUG_HAZARD = {"Privat": 0.0030, "Gewerbe": 0.0012}
BASE_HAZARD = 0.0035
CHANNEL_MULT = {"Vergleichsportal": 1.8, "Website": 1.1, "Kundenzentrum": 0.8, "Außendienst": 0.7}
TARIFF_MULT = {
    "Grundversorgung": 0.7,
    "Lindenau Strom Fix": 1.0,
    "Lindenau Öko": 0.9,
    "Gas Komfort": 0.9,
    "Lindenau Gewerbe": 1.0,
}
SEGMENT_MULT = {"Privat": 1.0, "Gewerbe": 0.8}
ONBOARDING_MULT = 2.4  # ≥ 2 tickets in the first 90 days, during the first year
#: Price-increase multipliers of the experience-related hazard by end month:
#: (Vergleichsportal, all other channels).
PRICE_SPIKE = {"2024-04": (12.0, 4.5), "2024-05": (8.0, 3.0), "2024-06": (4.0, 1.8)}
#: Reason mix of each hazard component (the Umzug component is always "Umzug").
BASE_REASONS = {"Preis": 0.30, "Wettbewerber": 0.25, "Service": 0.20, "Sonstiges": 0.25}
ONBOARDING_REASONS = {"Service": 0.60, "Wettbewerber": 0.20, "Sonstiges": 0.20}
SPIKE_REASONS = {"Preis": 0.60, "Wettbewerber": 0.40}

# --- tickets ----------------------------------------------------------------------
EARLY_TICKET_MEAN = 0.55  # tickets in the first 90 days (negative binomial)
EARLY_CATEGORIES = {
    "Anmeldung/Wechsel": 0.30,
    "Abschlag": 0.25,
    "Zählerstand": 0.20,
    "Rechnung": 0.15,
    "Vertrag/Tarif": 0.10,
}
#: Tickets per 1,000 customer-months (customers past their first 90 days).
TICKET_RATES = {
    "Rechnung": 3.5,
    "Abschlag": 3.0,
    "Zählerstand": 2.0,
    "Umzug": 3.0,
    "Störung": 1.2,
    "Vertrag/Tarif": 2.0,
    "Beschwerde": 0.8,
    "Sonstiges": 1.2,
}
TICKET_PHASES = {
    "Anmeldung/Wechsel": "Onboarding",
    "Rechnung": "Verlängerung/Rechnung",
    "Abschlag": "Verlängerung/Rechnung",
    "Vertrag/Tarif": "Verlängerung/Rechnung",
    "Zählerstand": "Nutzung",
    "Umzug": "Nutzung",
    "Störung": "Service/Problemfall",
    "Beschwerde": "Service/Problemfall",
    "Sonstiges": "Service/Problemfall",
}


def ticket_multiplier(category: str, month: str) -> float:
    """Seasonal and price-change multipliers of the ticket rates ("YYYY-MM")."""
    if category == "Rechnung":
        if month == "2024-03":
            return 2.0
        if "2024-04" <= month <= "2024-06":
            return 3.2
        if "2024-07" <= month <= "2024-12":
            return 2.0
        return 1.6 if month >= "2025-01" else 1.0
    if category == "Abschlag" and "2024-03" <= month <= "2024-06":
        return 1.8
    if category == "Vertrag/Tarif":
        return {"2024-03": 3.0, "2024-04": 2.0}.get(month, 1.0)
    if category == "Beschwerde" and "2024-04" <= month <= "2024-06":
        return 2.0
    if category == "Zählerstand":
        return {"01": 2.5, "12": 1.5}.get(month[5:], 1.0)
    return 1.0


# --- survey -----------------------------------------------------------------------
#: (wave, fieldwork start, fieldwork end, responses)
WAVES = (
    ("2023-H1", "2023-05-08", "2023-06-09", 410),
    ("2023-H2", "2023-11-06", "2023-12-08", 420),
    ("2024-H1", "2024-05-06", "2024-06-07", 430),
    ("2024-H2", "2024-11-04", "2024-12-06", 420),
    ("2025-H1", "2025-05-05", "2025-06-06", 410),
    ("2025-H2", "2025-11-03", "2025-12-05", 430),
)
PHASES = (
    "Kauf/Abschluss",
    "Onboarding",
    "Nutzung",
    "Service/Problemfall",
    "Verlängerung/Rechnung",
)
PHASE_MIX = (0.08, 0.12, 0.32, 0.22, 0.26)
PHASE_MIX_AFTER_PRICE = (0.07, 0.10, 0.26, 0.25, 0.32)  # wave 2024-H1
PHASE_EFFECT = {
    "Kauf/Abschluss": 0.25,
    "Onboarding": 0.0,
    "Nutzung": 0.35,
    "Service/Problemfall": -0.35,
    "Verlängerung/Rechnung": -0.5,
}
WAVE_EFFECT = {
    "2023-H1": 0.0,
    "2023-H2": 0.05,
    "2024-H1": -0.45,
    "2024-H2": -0.2,
    "2025-H1": -0.1,
    "2025-H2": 0.0,
}
#: Driver items and their weights in the recommendation latent (the planted ranking).
DRIVER_WEIGHTS = {
    "item_rechnung_verstaendlich": 0.50,
    "item_erreichbarkeit": 0.34,
    "item_preis_fair": 0.22,
    "item_onboarding_klar": 0.10,
}
TOUCHPOINTS = {
    "Onboarding": (("Willkommenspaket", "Kundenportal", "Telefon-Hotline"), (0.5, 0.3, 0.2)),
    "Nutzung": (("Kundenportal", "App", "Zählerstandsmeldung"), (0.5, 0.3, 0.2)),
    "Service/Problemfall": (("Telefon-Hotline", "E-Mail", "Kundenzentrum"), (0.5, 0.3, 0.2)),
    "Verlängerung/Rechnung": (
        ("Jahresabrechnung", "Abschlagsanpassung", "Preisbrief"),
        (0.5, 0.3, 0.2),
    ),
}
#: Free-text comments per phase: (negative, positive) texts. A detractor's comment is
#: negative with probability COMMENT_NEGATIVE[group], else positive (planted: what
#: detractors write about differs from what promoters write about).
COMMENTS = {
    "Kauf/Abschluss": (
        (
            "Tarifrechner auf der Website zeigt andere Preise als das Angebot.",
            "Vertragsunterlagen kamen erst nach drei Wochen.",
            "Der Wechsel hat ewig gedauert.",
            "Preis war am Ende höher als im Vergleichsportal.",
        ),
        (
            "Wechsel ging schnell.",
            "Tarifrechner auf der Website ist gut.",
            "Online-Abschluss war einfach und übersichtlich.",
            "Gute Beratung im Kundenzentrum.",
        ),
    ),
    "Onboarding": (
        (
            "Begrüßungsschreiben kam spät.",
            "Unklar, wann der erste Abschlag abgebucht wird.",
            "Zugangsdaten fürs Kundenportal kamen nie an.",
            "Erste Abschlagszahlung war viel zu hoch angesetzt.",
            "Keine Info, ab wann der Vertrag läuft",
        ),
        (
            "Alles verständlich erklärt.",
            "Anmeldung hat problemlos geklappt.",
            "Nettes Willkommensschreiben, alles klar.",
        ),
    ),
    "Nutzung": (
        (
            "App stürzt beim Zählerstand ab.",
            "Login ins Kundenportal geht seit Wochen nicht",
            "Die App ist unübersichtlich.",
            "Zählerstandsmeldung online hat nicht funktioniert.",
        ),
        (
            "Kundenportal funktioniert gut.",
            "Zählerstand per App melden geht schnell.",
            "Zuverlässige Versorgung, keine Störung.",
            "Die Webseite ist übersichtlich.",
        ),
    ),
    "Service/Problemfall": (
        (
            "Lange Wartezeit an der Hotline.",
            "Freundlich, aber ich musste dreimal anrufen.",
            "Hotline nie erreichbar, Rückruf kam nicht.",
            "Mein Problem ist bis heute nicht gelöst.",
            "Die Mitarbeiterin am Telefon war nicht freundlich.",
            "Ewig in der Warteschleife.",
        ),
        (
            "Problem wurde schnell gelöst.",
            "Sehr freundliche und kompetente Beratung.",
            "Techniker kam pünktlich, alles erledigt.",
        ),
    ),
    "Verlängerung/Rechnung": (
        (
            "Rechnung ist schwer nachvollziehbar.",
            "Preiserhöhung nicht nachvollziehbar begründet.",
            'Abschlag viel zu hoch, "Nachzahlung" trotzdem.',
            "Jahresabrechnung war falsch, Korrektur dauerte Wochen.",
            "Viel zu teuer geworden, überlege zu wechseln.",
            "Die Rechnug ist total unverständlich",
        ),
        (
            "Abrechnung ist übersichtlich.",
            "Gutschrift kam schnell.",
            "Preise sind fair.",
        ),
    ),
}
#: Probability that a comment is one of its phase's negative texts, by NPS group.
COMMENT_NEGATIVE = {"detractor": 0.85, "passive": 0.5, "promoter": 0.15}

# --- names (synthetic; combinations of common name parts) ------------------------
FIRST_NAMES = words(
    "Anna Andreas Birgit Bernd Claudia Christian Doris Dieter Elke Frank Gabriele Günter "
    "Heike Jürgen Ines Jörg Julia Klaus Katrin Lars Monika Markus Nicole Norbert Petra "
    "Ralf Sabine Stefan Tanja Thomas Ursula Uwe Vera Wolfgang Yvonne Zoë Lea Jonas Mia "
    "Björn"
)
LAST_NAMES = words(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
    "Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger "
    "Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann Köhler Maier Weiß Jäger "
    "Vogel Frank Günther Böhm Groß Brandt Kühn Pohl Engel Fuchs Scholz Möller Busch "
    "Thomas Winkler Lorenz"
)
BUSINESSES = (
    "Bäckerei",
    "Friseursalon",
    "Autohaus",
    "Praxis Dr.",
    "Gaststätte",
    "Schreinerei",
    "Blumenhaus",
    "Metzgerei",
    "Kanzlei",
    "Physiotherapie",
)


def _months(start: str = "2023-01", end: str = "2025-12") -> tuple[np.ndarray, np.ndarray, list]:
    ms = month_starts(start, end)
    labels = [str(m)[:7] for m in ms.astype("datetime64[M]")]
    return ms, month_ends(ms), labels


def _customers(rng: np.random.Generator) -> pd.DataFrame:
    """Customer attributes and start dates (stock before the window, then new)."""
    ms, me, _ = _months()
    moy = ms.astype("datetime64[M]").astype(int) % 12
    season = np.array([1.15, 1.0, 0.95, 1.0, 0.95, 0.9, 0.9, 0.95, 1.1, 1.2, 1.15, 0.85])
    counts = rng.poisson(NEW_PER_MONTH * season[moy])
    new_start = uniform_days(rng, np.repeat(ms, counts), np.repeat(me, counts))
    n_new = len(new_start)
    n = N_STOCK + n_new
    is_new = np.r_[np.zeros(N_STOCK, bool), np.ones(n_new, bool)]

    gewerbe = rng.random(n) < np.where(is_new, 0.08, 0.11)
    segment = np.where(gewerbe, "Gewerbe", "Privat").astype(object)

    tariff_p = np.where(
        gewerbe[:, None],
        [0.0, 0.0, 0.0, 0.25, 0.75],
        np.where(is_new[:, None], [0.08, 0.47, 0.25, 0.20, 0.0], [0.30, 0.33, 0.14, 0.23, 0.0]),
    )
    tariff = choice_rows(rng, TARIFFS, tariff_p)

    grund = tariff == "Grundversorgung"
    channel_p = np.where(
        gewerbe[:, None],
        [0.10, 0.15, 0.20, 0.55],
        np.where(is_new[:, None], [0.42, 0.36, 0.15, 0.07], [0.18, 0.22, 0.45, 0.15]),
    )
    channel_p = np.where(grund[:, None], [0.0, 0.2, 0.8, 0.0], channel_p)
    channel = choice_rows(rng, CHANNELS, channel_p)
    region = choice(rng, REGIONS, (0.30, 0.20, 0.20, 0.15, 0.15), n)

    tenure_years = rng.exponential(np.where(grund[:N_STOCK], 10.0, 6.0))
    too_long = tenure_years > 25.0  # no heap at a cut-off: spread over 15-25 years
    tenure_years[too_long] = rng.uniform(15.0, 25.0, int(too_long.sum()))
    tenure_days = np.maximum(np.round(tenure_years * 365.25), 31).astype(np.int64)
    stock_start = WINDOW_START - tenure_days.astype("timedelta64[D]")
    start = np.r_[stock_start, new_start]

    gas = tariff == "Gas Komfort"
    log_mean = np.where(gewerbe, np.where(gas, 6.45, 6.0), np.where(gas, 4.75, 4.4))
    sigma = np.where(gewerbe, 0.6, np.where(gas, 0.35, 0.3))
    revenue = rng.lognormal(log_mean, sigma) * np.where(grund, 1.12, 1.0)
    revenue = np.maximum(np.round(revenue), 15.0)

    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    business = np.array(BUSINESSES, dtype=object)[rng.integers(0, len(BUSINESSES), n)]
    name = np.where(gewerbe, business + " " + last, first + " " + last)

    early = np.where(
        is_new,
        rng.negative_binomial(0.9, 0.9 / (0.9 + EARLY_TICKET_MEAN), n),
        0,
    )
    frame = pd.DataFrame(
        {
            "name": name,
            "segment": segment,
            "product": tariff,
            "region": region,
            "channel": channel,
            "start_date": start,
            "revenue_month": revenue,
            "early_tickets": early,
        }
    )
    order = np.argsort(frame["start_date"].to_numpy(), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "customer_id", [f"K-{i:06d}" for i in range(1, n + 1)])
    return frame


def _simulate_churn(rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    """Draw end dates and churn reasons month by month (competing components)."""
    ms, me, labels = _months()
    n = len(cust)
    start = cust["start_date"].to_numpy().astype("datetime64[D]")
    segment = cust["segment"].to_numpy()
    channel = cust["channel"].to_numpy()
    static = (
        BASE_HAZARD
        * pd.Series(channel).map(CHANNEL_MULT).to_numpy()
        * cust["product"].map(TARIFF_MULT).to_numpy()
        * pd.Series(segment).map(SEGMENT_MULT).to_numpy()
    )
    umzug = pd.Series(segment).map(UMZUG_HAZARD).to_numpy()
    is_vp = channel == "Vergleichsportal"
    trouble = cust["early_tickets"].to_numpy() >= 2
    end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    reason = np.full(n, "", dtype=object)

    for m0, m1, label in zip(ms, me, labels, strict=True):
        idx = np.flatnonzero((start <= m1) & np.isnat(end))
        first = np.maximum(start[idx], m0)
        exposure = ((m1 - first).astype(np.int64) + 1) / ((m1 - m0).astype(np.int64) + 1)
        tenure = (m0 + 15 * DAY - start[idx]).astype(np.int64)
        ten_mult = np.where(tenure < 365, 1.4, np.where(tenure < 1096, 1.0, 0.75))
        ob = np.where(trouble[idx] & (tenure < 365), ONBOARDING_MULT, 1.0)
        vp_spike, other_spike = PRICE_SPIKE.get(label, (1.0, 1.0))
        spike = np.where(is_vp[idx], vp_spike, other_spike)
        base = static[idx] * ten_mult
        c0 = umzug[idx]
        c1 = base
        c2 = base * (ob - 1.0)
        c3 = base * ob * (spike - 1.0)
        total = c0 + c1 + c2 + c3
        prob = total * exposure
        u = rng.random(len(idx))
        hit = u < prob
        who = idx[hit]
        if not len(who):
            continue
        # u / prob is uniform on [0, 1) given a hit: reuse it to pick the component
        v = (u[hit] / prob[hit]) * total[hit]
        cuts = np.column_stack([c0[hit], c0[hit] + c1[hit], c0[hit] + c1[hit] + c2[hit]])
        component = (v[:, None] >= cuts).sum(axis=1)
        why = np.empty(len(who), dtype=object)
        for k, mix in enumerate((None, BASE_REASONS, ONBOARDING_REASONS, SPIKE_REASONS)):
            sel = component == k
            if mix is None:
                why[sel] = "Umzug"
            elif sel.any():
                why[sel] = choice(rng, list(mix), list(mix.values()), int(sel.sum()))
        moved = why == "Umzug"
        end_day = np.full(len(who), m1, dtype="datetime64[D]")
        end_day[moved] = uniform_days(rng, first[hit][moved], np.full(moved.sum(), m1))
        end[who] = np.maximum(end_day, start[who])
        reason[who] = why

    unknown = (reason != "") & (rng.random(n) < 0.05)
    reason[unknown] = ""  # not recorded
    out = cust.copy()
    out["end_date"] = end
    out["churn_reason"] = reason
    out["churn_reason_true"] = np.where(unknown, "(nicht erfasst)", reason)

    # up-/cross-sell: an additional product (Wärmestrom, Smart-Home, Ökogas …)
    low = np.maximum(start + 60 * DAY, day("2020-01-01"))
    high = np.where(np.isnat(end), WINDOW_END, end)
    takes = (rng.random(n) < 0.08) & (low <= high)
    upgrade = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    upgrade[takes] = uniform_days(rng, low[takes], high[takes])
    out["upgrade_date"] = upgrade
    return out


def _tickets(rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    """Early tickets (first 90 days), monthly tickets and pre-churn contacts."""
    n = len(cust)
    start = cust["start_date"].to_numpy().astype("datetime64[D]")
    end = cust["end_date"].to_numpy().astype("datetime64[D]")
    end_or_window = np.where(np.isnat(end), WINDOW_END, np.minimum(end, WINDOW_END))
    parts = []

    # 1. tickets in the first 90 days of customers who started in the window
    early = cust["early_tickets"].to_numpy()
    who = np.repeat(np.arange(n), early)
    last = np.minimum(start[who] + 89 * DAY, end_or_window[who])
    parts.append(
        pd.DataFrame(
            {
                "cust": who,
                "opened": uniform_days(rng, start[who], np.maximum(last, start[who])),
                "category": choice(
                    rng, list(EARLY_CATEGORIES), list(EARLY_CATEGORIES.values()), len(who)
                ),
                "phase": "Onboarding",
            }
        )
    )

    # 2. monthly tickets of customers past their first 90 days
    ms, me, labels = _months()
    cats = list(TICKET_RATES)
    for m0, m1, label in zip(ms, me, labels, strict=True):
        lo = np.maximum(m0, start + 90 * DAY)
        hi = np.minimum(m1, end_or_window)
        idx = np.flatnonzero(lo <= hi)
        weight = ((hi[idx] - lo[idx]).astype(np.int64) + 1).astype(float)
        exposure = weight.sum() / ((m1 - m0).astype(np.int64) + 1)
        lam = [TICKET_RATES[c] * ticket_multiplier(c, label) * exposure / 1000 for c in cats]
        counts = rng.poisson(lam)
        chosen = rng.choice(idx, size=int(counts.sum()), p=weight / weight.sum())
        category = np.repeat(np.array(cats, dtype=object), counts)
        parts.append(
            pd.DataFrame(
                {
                    "cust": chosen,
                    "opened": uniform_days(rng, lo[chosen], hi[chosen]),
                    "category": category,
                    "phase": [TICKET_PHASES[c] for c in category],
                }
            )
        )

    # 3. contacts before leaving: complaints (Service) and price questions (Preis)
    reason = cust["churn_reason_true"].to_numpy()
    for why, category, mean in (("Service", "Beschwerde", 1.2), ("Preis", "Vertrag/Tarif", 0.4)):
        idx = np.flatnonzero((reason == why) & ((end - start).astype(np.int64) >= 150))
        k = rng.poisson(mean, len(idx))
        who = np.repeat(idx, k)
        lo = np.maximum(end[who] - 60 * DAY, start[who] + 90 * DAY)
        parts.append(
            pd.DataFrame(
                {
                    "cust": who,
                    "opened": uniform_days(rng, lo, end[who]),
                    "category": category,
                    "phase": TICKET_PHASES[category],
                }
            )
        )

    t = pd.concat(parts, ignore_index=True)
    opened = t["opened"].to_numpy()
    t = t[(opened >= WINDOW_START) & (opened <= WINDOW_END)].reset_index(drop=True)
    m = len(t)
    category = t["category"].to_numpy()
    opened = t["opened"].to_numpy().astype("datetime64[D]")
    days = np.where(
        category == "Störung",
        rng.integers(0, 3, m),
        np.round(rng.lognormal(np.where(category == "Rechnung", 1.6, 0.9), 0.8, m)),
    ).astype(np.int64)
    closed = opened + days.astype("timedelta64[D]")
    closed[closed > WINDOW_END] = np.datetime64("NaT")
    after_price = opened >= PRICE_ANNOUNCED
    p_reopen = np.select(
        [category == "Rechnung", category == "Beschwerde"],
        [np.where(after_price, 0.16, 0.10), 0.15],
        0.05,
    )
    reopened = np.where(rng.random(m) < p_reopen, "ja", "nein")
    reopened[np.isnat(closed)] = "nein"
    contact = choice(
        rng, ("Telefon", "E-Mail", "Kundenportal", "Kundenzentrum"), (0.48, 0.24, 0.18, 0.10), m
    )
    cat_order = np.array([cats.index(c) if c in cats else len(cats) for c in category])
    order = np.lexsort((cat_order, t["cust"].to_numpy(), opened.astype(np.int64)))
    out = pd.DataFrame(
        {
            "ticket_id": [f"T-{i:06d}" for i in range(1, m + 1)],
            "customer_id": cust["customer_id"].to_numpy()[t["cust"].to_numpy()[order]],
            "opened": opened[order],
            "closed": closed[order],
            "category": category[order],
            "phase": t["phase"].to_numpy()[order],
            "reopened": reopened[order],
            "channel": contact[order],
        }
    )
    return out


def _survey(rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    """Six half-yearly waves; NPS, CSAT, CES and driver items per journey phase."""
    start = cust["start_date"].to_numpy().astype("datetime64[D]")
    end = cust["end_date"].to_numpy().astype("datetime64[D]")
    never = np.isnat(end)
    rows = []
    for wave, first, last, size in WAVES:
        fs, fe = day(first), day(last)
        mix = PHASE_MIX_AFTER_PRICE if wave == "2024-H1" else PHASE_MIX
        phases = choice(rng, PHASES, mix, size)
        active = never | (end > fe)
        pools = {
            "new": np.flatnonzero(active & (start <= fs) & (start >= fs - 120 * DAY)),
            "all": np.flatnonzero(active & (start <= fs - 30 * DAY)),
        }
        for phase in PHASES:
            k = int((phases == phase).sum())
            pool = pools["new" if phase in ("Kauf/Abschluss", "Onboarding") else "all"]
            who = rng.choice(pool, size=k, replace=False)
            rows.append(
                pd.DataFrame(
                    {
                        "cust": who,
                        "date": uniform_days(rng, np.full(k, fs), np.full(k, fe)),
                        "wave": wave,
                        "phase": phase,
                    }
                )
            )
    s = pd.concat(rows, ignore_index=True)
    n = len(s)
    phase = s["phase"].to_numpy()
    wave = s["wave"].to_numpy()
    touch = np.empty(n, dtype=object)
    for ph, (labels, probs) in TOUCHPOINTS.items():
        sel = phase == ph
        touch[sel] = choice(rng, labels, probs, int(sel.sum()))
    sel = phase == "Kauf/Abschluss"
    touch[sel] = cust["channel"].to_numpy()[s["cust"].to_numpy()[sel]]

    common = (
        pd.Series(phase).map(PHASE_EFFECT).to_numpy()
        + pd.Series(wave).map(WAVE_EFFECT).to_numpy()
        + rng.normal(0.0, 1.0, n)
    )
    after = wave >= "2024-H1"
    shifts = {
        "item_rechnung_verstaendlich": np.where(phase == "Verlängerung/Rechnung", -0.4, 0.0)
        + np.where(wave == "2024-H1", -0.3, 0.0),
        "item_erreichbarkeit": np.where(phase == "Service/Problemfall", -0.3, 0.0),
        "item_preis_fair": np.where(
            wave == "2024-H1", -0.7, np.where(wave == "2024-H2", -0.45, np.where(after, -0.3, 0.0))
        ),
        "item_onboarding_klar": np.where(phase == "Onboarding", -0.2, 0.0),
    }
    latent_items = {}
    recommend = 0.55 * rng.normal(0.0, 1.0, n)
    for item, weight in DRIVER_WEIGHTS.items():
        z = 0.55 * common + 0.85 * rng.normal(0.0, 1.0, n) + shifts[item]
        latent_items[item] = z
        recommend = recommend + weight * z
    out = pd.DataFrame(
        {
            "cust": s["cust"].to_numpy(),
            "date": s["date"].to_numpy(),
            "wave": wave,
            "phase": phase,
            "touchpoint": touch,
        }
    )
    out["nps"] = likert(recommend, 8.0, 2.0, 0, 10)
    out["csat"] = likert(0.8 * recommend + 0.6 * rng.normal(0.0, 1.0, n), 3.9, 0.9, 1, 5)
    out["ces"] = likert(0.7 * recommend + 0.7 * rng.normal(0.0, 1.0, n), 5.0, 1.2, 1, 7)
    for item, z in latent_items.items():
        values = likert(z, 3.2, 0.9, 1, 5).astype(float)
        values[rng.random(n) < 0.04] = np.nan  # "keine Angabe"
        out[item] = values
    comment = np.full(n, "", dtype=object)
    has = rng.random(n) < 0.12
    scores = out["nps"].to_numpy()
    negative = np.where(
        scores <= 6,
        COMMENT_NEGATIVE["detractor"],
        np.where(scores <= 8, COMMENT_NEGATIVE["passive"], COMMENT_NEGATIVE["promoter"]),
    )
    for ph, (bad, good) in COMMENTS.items():
        sel = has & (phase == ph)
        # one uniform draw per comment, as before: the rest of the data stays the same
        bad_weights = np.repeat(negative[sel, None] / len(bad), len(bad), axis=1)
        good_weights = np.repeat((1 - negative[sel, None]) / len(good), len(good), axis=1)
        weights = np.column_stack([bad_weights, good_weights])
        comment[sel] = choice_rows(rng, (*bad, *good), weights)
    out["comment"] = comment

    order = np.lexsort((out["cust"].to_numpy(), out["date"].to_numpy().astype(np.int64)))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(0, "response_id", [f"U-{i:05d}" for i in range(1, n + 1)])
    cust_idx = out.pop("cust").to_numpy()
    out.insert(1, "customer_id", cust["customer_id"].to_numpy()[cust_idx])
    out.insert(6, "segment", cust["segment"].to_numpy()[cust_idx])
    return out


STROM_SEASON = np.array([1.18, 1.10, 1.02, 0.95, 0.90, 0.86, 0.85, 0.87, 0.92, 1.00, 1.10, 1.20])
GAS_SEASON = np.array([1.90, 1.65, 1.35, 0.90, 0.50, 0.30, 0.25, 0.28, 0.45, 0.90, 1.40, 1.85])
SIGNAL_SAMPLE = 4_000
#: Multipliers / additions in the last three months before leaving (k = 2, 1, 0),
#: for customers who leave for a reason other than Umzug.
SIGNAL_USAGE = (0.92, 0.82, 0.70)
SIGNAL_PAY_DAYS = (3.0, 6.0, 10.0)
SIGNAL_CONTACTS = (0.25, 0.6, 0.9)


def _signals(rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    """Usage, days to pay and contacts in 2025 for a sample of active customers."""
    start = cust["start_date"].to_numpy().astype("datetime64[D]")
    end = cust["end_date"].to_numpy().astype("datetime64[D]")
    ref = day("2025-01-01")
    eligible = np.flatnonzero((start <= ref) & (np.isnat(end) | (end >= ref)))
    sample = np.sort(rng.choice(eligible, size=SIGNAL_SAMPLE, replace=False))
    ms, _, _ = _months("2025-01", "2025-12")
    s_end = end[sample]
    end_month = np.where(np.isnat(s_end), ms[-1], s_end).astype("datetime64[M]")
    n_months = (end_month - ms[0].astype("datetime64[M]")).astype(np.int64) + 1
    who = np.repeat(np.arange(SIGNAL_SAMPLE), n_months)
    month = np.concatenate([np.arange(k) for k in n_months])
    k_before = (n_months[who] - 1 - month).astype(np.int64)  # months before the end month
    churner = ~np.isnat(s_end[who])
    reason = cust["churn_reason_true"].to_numpy()[sample][who]
    leaves = churner & (reason != "Umzug")
    moves = churner & (reason == "Umzug")

    gas = cust["product"].to_numpy()[sample] == "Gas Komfort"
    gewerbe = cust["segment"].to_numpy()[sample] == "Gewerbe"
    annual = rng.lognormal(np.where(gas, 9.47, 7.86), np.where(gas, 0.35, 0.4))
    annual = annual * np.where(gewerbe, 6.0, 1.0)
    season = np.where(gas[who], GAS_SEASON[month], STROM_SEASON[month])
    usage = annual[who] / 12 * season * rng.lognormal(0.0, 0.07, len(who))
    usage_mult = np.ones(len(who))
    pay_add = np.zeros(len(who))
    contact_mean = np.full(len(who), 0.10)
    for k in (2, 1, 0):
        sel = leaves & (k_before == k)
        usage_mult[sel] = SIGNAL_USAGE[2 - k]
        pay_add[sel] = SIGNAL_PAY_DAYS[2 - k]
        contact_mean[sel] += SIGNAL_CONTACTS[2 - k]
    last_move = moves & (k_before == 0)
    usage_mult[last_move] = 0.70
    contact_mean[last_move] += 1.0
    usage = np.round(usage * usage_mult, 1)

    debit = rng.random(SIGNAL_SAMPLE) < 0.72
    pay_base = np.where(debit, 3.0, 11.0) + rng.normal(0.0, np.where(debit, 1.0, 3.0))
    pay = pay_base[who] + rng.normal(0.0, 1.5, len(who)) + pay_add
    pay = np.clip(np.round(pay), 0, None)
    contacts = rng.poisson(contact_mean)
    return pd.DataFrame(
        {
            "customer_id": cust["customer_id"].to_numpy()[sample][who],
            "month": ms[month],
            "usage": usage,
            "days_to_pay": pay,
            "contacts": contacts,
        }
    )


MATURITY = MaturityProfile(
    dimension_means={
        "D1": 2.8,
        "D2": 2.4,
        "D3": 2.6,
        "D4": 2.5,
        "D5": 2.1,
        "D6": 1.5,
        "D7": 2.4,
        "D8": 1.3,
    },
    respondents=(
        Respondent("P01", "Geschäftsführung", 0.1),
        Respondent("P02", "Vertrieb", 0.15),
        Respondent("P03", "Vertrieb", 0.05),
        Respondent("P04", "Kundenservice", 0.0),
        Respondent("P05", "Kundenservice", -0.05),
        Respondent("P06", "IT", -0.1),
        Respondent("P07", "Abrechnung", -0.05),
        Respondent("P08", "Marketing", 0.0),
    ),
    department_views={
        "IT": {"D6": -0.5, "D8": -0.6},
        "Vertrieb": {"D6": 0.4, "D8": 0.6},
        "Kundenservice": {"D5": -0.3},
    },
    waves=(
        Wave(
            "2025-Q2",
            overrides={
                ("P06", "D8.1"): 0,
                ("P02", "D8.1"): 3,
                ("P03", "D8.1"): 2,
                ("P06", "D8.2"): 1,
                ("P02", "D8.2"): 3,
                ("P03", "D8.2"): 3,
                ("P06", "D6.2"): 1,
                ("P02", "D6.2"): 3,
                ("P03", "D6.2"): 3,
            },
            blanks=2,
        ),
        Wave(
            "2025-Q4",
            shift={"D3": 0.6, "D5": 0.75, "D6": 0.6},
            overrides={("P06", "D8.1"): 1, ("P02", "D8.1"): 3},
            blanks=1,
        ),
    ),
    noise=0.3,
)


def build() -> dict[str, pd.DataFrame]:
    """All tables with canonical column names and typed values."""
    rng = np.random.default_rng(SEED)
    cust = _simulate_churn(rng, _customers(rng))
    tickets = _tickets(rng, cust)
    survey = _survey(rng, cust)
    signals = _signals(rng, cust)
    maturity = generate_maturity(rng, MATURITY)
    return {
        "customers": cust,
        "tickets": tickets,
        "survey": survey,
        "signals": signals,
        "maturity": maturity,
    }


def write(out_dir: Path) -> list[Path]:
    """Write the client's files (German CRM export dialects) into ``out_dir``."""
    tables = build()
    c = tables["customers"]
    customers = pd.DataFrame(
        {
            "Kundennummer": c["customer_id"],
            "Name": c["name"],
            "Kundengruppe": c["segment"],
            "Tarif": c["product"],
            "Region": c["region"],
            "Vertriebskanal": c["channel"],
            "Vertragsbeginn": de_dates(c["start_date"].to_numpy()),
            "Vertragsende": de_dates(c["end_date"].to_numpy()),
            "Abschlag €/Monat": format_numbers(c["revenue_month"], 2, decimal=",", thousands="."),
            "Kündigungsgrund": c["churn_reason"],
            "Zusatzprodukt seit": de_dates(c["upgrade_date"].to_numpy()),
        }
    )
    t = tables["tickets"]
    tickets = pd.DataFrame(
        {
            "Ticket-Nr": t["ticket_id"],
            "Kundennummer": t["customer_id"],
            "Erstellt am": de_dates(t["opened"].to_numpy()),
            "Erledigt am": de_dates(t["closed"].to_numpy()),
            "Thema": t["category"],
            "Phase": t["phase"],
            "Wieder geöffnet": t["reopened"],
            "Kontaktkanal": t["channel"],
        }
    )
    s = tables["survey"]
    survey = pd.DataFrame(
        {
            "Antwort-ID": s["response_id"],
            "Kundennummer": s["customer_id"],
            "Datum": de_dates(s["date"].to_numpy()),
            "Welle": s["wave"],
            "Phase": s["phase"],
            "Kontaktpunkt": s["touchpoint"],
            "Kundengruppe": s["segment"],
            "Weiterempfehlung (0-10)": format_ints(s["nps"]),
            "Zufriedenheit (1-5)": format_ints(s["csat"]),
            "Aufwand (1-7)": format_ints(s["ces"]),
            **{item: format_ints(s[item]) for item in DRIVER_WEIGHTS},
            "Kommentar": s["comment"],
        }
    )
    g = tables["signals"]
    signals = pd.DataFrame(
        {
            "Kundennummer": g["customer_id"],
            "Monat": pd.Series(g["month"].to_numpy().astype("datetime64[s]")).dt.strftime("%m.%Y"),
            "Verbrauch kWh": format_numbers(g["usage"], 1, decimal=",", thousands="."),
            "Zahlungsdauer": format_ints(g["days_to_pay"]),
            "Kontakte": format_ints(g["contacts"]),
        }
    )
    m = tables["maturity"]
    maturity = pd.DataFrame(
        {
            "Teilnehmer": m["respondent"],
            "Abteilung": m["department"],
            "Aussage": m["item"],
            "Bewertung": format_ints(m["score"]),
            "Welle": m["wave"],
        }
    )
    folder = out_dir / CLIENT_ID
    return [
        write_csv(
            folder / "kunden.csv", customers, sep=";", encoding="cp1252", lineterminator="\r\n"
        ),
        write_csv(folder / "tickets.csv", tickets, sep=";", encoding="utf-8"),
        write_csv(
            folder / "befragung.csv",
            survey,
            sep=";",
            encoding="utf-8",
            bom=True,
            lineterminator="\r\n",
        ),
        write_csv(folder / "fruehwarnsignale_2025.csv", signals, sep=";", encoding="utf-8"),
        write_csv(folder / "reifegrad.csv", maturity, sep=";", encoding="utf-8"),
        write_bytes(
            folder / "logo.svg",
            wordmark_svg("Stadtwerke Lindenau", "Energie aus der Region", ACCENT).encode("utf-8"),
        ),
    ]
