"""The call-back list (closed loop) and the masking of personal details in comments.

Counts are worked by hand on small tables; the planted personal details must
all be gone, and nothing of the list may reach the report's HTML.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from cxlib import kpis
from cxlib.io.exports import write_excel_csv
from cxlib.kpis.readings import call_backs_reading
from cxlib.voice.callbacks import CALL_BACK_FILE, call_backs, is_complaint
from cxlib.voice.masking import MASK, mask, mostly_personal

from .demo_clients import demo_client

CUTOFF = dt.date(2025, 12, 31)


def _survey() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
            "customer_id": ["A", "B", "C", None, "E", "B"],
            "date": pd.to_datetime(
                ["2025-12-01", "2025-11-15", "2025-12-20", "2025-12-10", "2025-06-01", "2025-10-20"]
            ),
            "nps": [2, 6, 9, 5, 0, 7],
            "comment": [
                "Rufen Sie mich an: 0171 2345678, oder max.muster@example.de",
                "Abschlag zu hoch",
                "Alles gut",
                "Hotline nie erreichbar",
                "Ganz schlecht",
                None,
            ],
        }
    )


def _tickets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticket_id": ["t1", "t2", "t3", "t4", "t5"],
            "customer_id": ["B", "D", "F", "G", "H"],
            "opened": pd.to_datetime(
                ["2025-12-28", "2025-11-01", "2025-12-15", "2025-05-01", "2025-12-01"]
            ),
            "closed": pd.to_datetime([None, "2025-11-20", "2025-12-16", "2025-05-10", None]),
            "category": ["Rechnung", "Rechnung/Reklamation", "Beschwerde", "Beschwerde", "Umzug"],
        }
    )


def test_the_list_by_hand():
    cb = call_backs(_survey(), _tickets(), CUTOFF)
    assert cb is not None
    # detractors (0-6) of the last 90 days: r1 (A), r2 (B), r4 (no number); r5 is too old,
    # r3 and r6 are no detractors
    assert (cb.detractors, cb.detractors_anonymous) == (3, 1)
    # open: t1 (B), t5 (H); complaints in the window: t2 (D), t3 (F); t4 is too old
    assert (cb.open_tickets, cb.complaints) == (2, 2)
    rows = cb.rows.set_index("customer_id")
    assert sorted(rows.index) == ["A", "B", "D", "F", "H"]
    # B: detractor and open ticket -> priority 1, step 1 (acknowledge first)
    assert rows.loc["B", "detractor"] and rows.loc["B", "open_ticket"]
    assert (rows.loc["B", "priority"], rows.loc["B", "step"]) == (1, 1)
    assert rows.loc["B", "last_contact"] == pd.Timestamp("2025-12-28")
    # A: score 2 (0-3) -> priority 1; D, F: closed complaints -> step 4; H: open -> step 2
    assert (rows.loc["A", "priority"], rows.loc["A", "step"]) == (1, 1)
    assert rows.loc["A", "score"] == 2
    assert (rows.loc["D", "priority"], rows.loc["D", "step"]) == (2, 4)
    assert (rows.loc["H", "priority"], rows.loc["H", "step"]) == (2, 2)
    # the priority-1 customers come first
    assert list(cb.rows["priority"]) == sorted(cb.rows["priority"])
    assert cb.customers == 5 and cb.first_priority == 2


def test_comments_on_the_list_are_masked():
    cb = call_backs(_survey(), _tickets(), CUTOFF)
    comment = cb.rows.set_index("customer_id").loc["A", "comment"]
    assert "0171" not in comment and "example.de" not in comment and MASK in comment
    assert "Rufen Sie mich an" in comment


def test_complaint_categories():
    categories = pd.Series(["Beschwerde", "Rechnung/Reklamation", "Rechnung", None, "Complaint"])
    assert list(is_complaint(categories)) == [True, True, False, False, True]


def test_nothing_to_call_back_without_scores_or_tickets():
    assert call_backs(None, None, CUTOFF) is None
    empty = call_backs(_survey().assign(nps=10), None, CUTOFF)
    assert empty is not None and empty.customers == 0


PLANTED = [
    ("Bitte melden: anna.schmidt@gmx.de", ["anna.schmidt", "gmx.de"]),
    ("Tel. +49 341 1234567 ab 18 Uhr", ["341", "1234567"]),
    ("ruft mich unter 0341/98765-43 an", ["98765"]),
    ("IBAN DE89 3704 0044 0532 0130 00 falsch abgebucht", ["3704", "0532"]),
    ("Meine Kundennummer: K-002789, bitte prüfen", ["002789"]),
    ("Vertragsnummer 4711-0815 stimmt nicht", ["4711"]),
    ("Frau Müller an der Hotline war sehr nett", ["Müller"]),
    ("Herr Dr. Hans Meier hat nicht zurückgerufen", ["Hans", "Meier"]),
    ("Viele Grüße, Petra Schulze", ["Petra", "Schulze"]),
    ("Wohne jetzt in der Lindenstraße 12a", ["Lindenstraße", "12a"]),
    ("siehe www.beispiel-privat.de/profil", ["beispiel-privat"]),
]


@pytest.mark.parametrize(("text", "details"), PLANTED)
def test_planted_personal_details_are_masked(text, details):
    masked = mask(text)
    for detail in details:
        assert detail not in masked, (text, masked)


@pytest.mark.parametrize(
    "text",
    [
        "Abschlag viel zu hoch, Nachzahlung trotzdem.",
        "App stürzt beim Zählerstand ab.",
        "Im Winter zwei Tage ohne Heizung - zu lange.",
        "Zu wenig Personal, 15 Minuten gewartet",
    ],
)
def test_ordinary_comments_stay_as_they_are(text):
    assert mask(text) == text


def test_a_comment_of_mostly_personal_details():
    assert mostly_personal("max.muster@example.de 0171 2345678")
    assert not mostly_personal("Lange Wartezeit an der Hotline, Tel. 0171 2345678")


@pytest.fixture(scope="module")
def stadtwerke():
    params, data = demo_client("stadtwerke-lindenau")
    return params, data, kpis.analyse(params, data)


def test_stadtwerke_counts_recounted_from_the_raw_tables(stadtwerke):
    params, data, base = stadtwerke
    survey, tickets = data.get("survey"), data.get("tickets")
    cut = pd.Timestamp(params.cutoff)
    start = cut - pd.Timedelta(days=90)
    window = survey[(survey["date"] > start) & (survey["date"] <= cut)]
    cb = base.call_backs
    assert cb.detractors == int((window["nps"] <= 6).sum())
    assert cb.open_tickets == int(tickets["closed"].isna().sum())
    complaints = tickets["category"].astype(str).eq("Beschwerde") & (tickets["opened"] > start)
    assert cb.complaints == int(complaints.sum())
    text = call_backs_reading(base, "de")
    assert f"stehen {cb.customers:,} Kunden auf der Rückrufliste".replace(",", ".") in text


def test_the_list_is_written_beside_the_report_and_never_in_the_html(stadtwerke, tmp_path):
    _, _, base = stadtwerke
    section = kpis.section(base, "de")
    # the churn section writes the file, merged with the churn risks (test_team_list.py)
    assert CALL_BACK_FILE not in section.exports
    frame = base.call_backs.call_list("de")
    assert len(frame) == base.call_backs.customers
    path = write_excel_csv(frame, tmp_path / CALL_BACK_FILE)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    shown = "".join(
        str(getattr(item, "data", item)) for name in section.names for item in section.show(name)
    )
    ids = set(frame["Kundennummer"])
    assert ids and not ids & set(re.findall(r"K-\d{6}", shown))
