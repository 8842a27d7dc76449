"""The KPI section's sentences, checked by hand on small examples.

The example survey: 20 answers, 8 promoters (10), 6 passives (7), 6
detractors (2): promoters 40 %, detractors 30 %, NPS +10. Adjusted-Wald
interval by hand (Rocks 2016): n' = 23, p' = 8.75/23, d' = 6.75/23,
p' − d' = 0.0870, p' + d' − (p' − d')² = 0.6664, SE = √(0.6664/23) = 0.1702,
1.96 · SE = 0.3336 → −24.7 … +42.1, written −25 and +42.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from cxlib.kpis.analysis import analyse
from cxlib.kpis.economics import Economics
from cxlib.kpis.readings import economics_reading, key_message, ppd_reading, statements
from cxlib.parameters.files import load_parameters

NBSP = "\u00a0"
NARROW = "\u202f"


@pytest.fixture
def example(minimal_params):
    params = load_parameters(minimal_params)
    survey = pd.DataFrame(
        {
            "response_id": [str(i) for i in range(20)],
            "date": pd.date_range("2025-01-01", periods=20, freq="W"),
            "nps": [10] * 8 + [7] * 6 + [2] * 6,
        }
    )
    return analyse(params, {"survey": survey})


def test_ppd_reading(example):
    assert ppd_reading(example, "de") == (
        f"40,0{NARROW}% der Befragten empfehlen aktiv weiter, 30,0{NARROW}% sind Kritiker; "
        "der NPS ist die Differenz: 40,0 − 30,0 = +10,0, gerundet +10."
    )


def test_ppd_reading_shows_more_decimals_where_one_would_not_add_up(minimal_params):
    """2,353 promoters and 782 detractors of 5,000: NPS 31.42, shown as +31.

    With one decimal the shares read 47.1 % and 15.6 %, whose difference 31.5
    would round to +32; with two decimals: 47.06 − 15.64 = 31.42, rounded +31.
    """
    params = load_parameters(minimal_params)
    scores = [10] * 2353 + [2] * 782 + [7] * (5000 - 2353 - 782)
    survey = pd.DataFrame(
        {
            "response_id": [str(i) for i in range(5000)],
            "date": pd.date_range("2025-01-01", periods=5000, freq="h"),
            "nps": scores,
        }
    )
    base = analyse(params, {"survey": survey})
    assert ppd_reading(base, "de") == (
        f"47,06{NARROW}% der Befragten empfehlen aktiv weiter, 15,64{NARROW}% sind Kritiker; "
        "der NPS ist die Differenz: 47,06 − 15,64 = +31,42, gerundet +31."
    )
    assert key_message(base, "de").startswith("Weiterempfehlung (NPS) +31 ")


def test_key_message_and_statement_with_a_small_sample(example):
    assert key_message(example, "de") == (
        "Weiterempfehlung (NPS) +10 (95 %-Intervall −25 bis +42, n = 20); "
        "keine Kunden- oder Kaufdaten für Bindung und Wirtschaftlichkeit."
    )
    (statement,) = statements(example, "de")
    assert statement.text == (
        "Weiterempfehlung (NPS): +10 (95 %-Intervall −25 bis +42, n = 20; geringe Aussagekraft)."
    )
    assert statement.light == "amber"  # the interval spans zero


def test_economics_reading_of_a_contract_business(example):
    # ARPU 100 € a month, margin rate 30 % → 30 € a month; 1 % churn a month;
    # the CLVs are given (their formulas are tested in test_economics.py)
    eco = Economics(
        "contractual",
        arpu=100.0,
        arpu_period="month",
        customers=500,
        margin=30.0,
        retention=0.99,
        clv_simple=3000.0,
        clv_discounted=2500.0,
        margin_rate=0.3,
        discount_rate=0.08,
    )
    base = dataclasses.replace(example, economics=eco)
    assert economics_reading(base, "de") == (
        f"Ein Kunde bringt im Mittel 100{NBSP}€ Umsatz im Monat, davon 30,00{NBSP}€ "
        f"Deckungsbeitrag (30{NARROW}%). Bei 1,00{NARROW}% Kündigungen im Monat ist ein Kunde "
        f"über die Laufzeit 2.500{NBSP}€ wert (abgezinst mit 8{NARROW}% im Jahr; "
        f"einfach: 3.000{NBSP}€)."
    )
