"""The workshop's status line says saved only for what the store confirmed (issue 16).

Widget-level: the ipywidgets objects are driven from Python against the
in-memory FakeStore of test_workshop_widgets (which refuses stale tokens as the
real store does). Covered: a conflict stays visible, naming its unit, while
other units are saved; input waiting for the typing pause is shown as not saved;
an invalid field is marked at the field and does not block the valid rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from cxlib.exceptions import CXError
from cxlib.workshop.app import StatusBar, WorkshopApp
from tests.test_workshop_widgets import FakeStore

CLOCK = dt.datetime(2026, 1, 31, 14, 32, 5)


def test_saved_time_has_seconds_and_only_follows_a_confirmed_save():
    bar = StatusBar("de", clock=lambda: CLOCK)
    bar.pending("Maßnahmenplan")
    assert bar.state == "pending" and "noch nicht gespeichert" in bar.message
    assert (
        bar.attempt(lambda: (_ for _ in ()).throw(CXError("Datenträger voll")), "Maßnahmenplan")
        is None
    )
    assert bar.state == "error" and "Maßnahmenplan" in bar.message
    assert bar.attempt(lambda: 1, "Maßnahmenplan") == 1
    assert bar.state == "saved" and bar.message == "gespeichert 14:32:05"


def test_a_conflict_stays_visible_after_another_person_is_saved():
    store = FakeStore()
    app = WorkshopApp(store, "de", report=False)
    m = app.maturity
    m.add_respondent("GF", "Geschäftsführung")
    m.answer("D1.1", 3)
    store.bump(("maturity", "GF"))  # someone else saves GF meanwhile
    m.answer("D1.2", 4)
    assert app.status.state == "conflict"
    m.add_respondent("Vertrieb 1", "Vertrieb")  # the next person's answer is saved fine
    m.answer("D1.1", 2)
    assert store.calls[-1][1:3] == ("Vertrieb 1", "Vertrieb")
    assert app.status.state == "conflict"
    assert app.status.reload_button.layout.display is None  # "neu laden" still offered
    assert "Reifegrad GF" in app.status.message and "inzwischen geändert" in app.status.message
    assert "Reifegrad Vertrieb 1 – gespeichert" in app.status.message
    sentences = [x.strip() for x in app.status.message.split(".") if x.strip()]
    assert len(sentences) == len(set(sentences)), "no sentence twice"
    # beside the unit too: GF's row in the overview, and beside GF when GF is shown again
    assert '<td>GF <span class="cxws-error">(nicht gespeichert)</span></td>' in m.overview.value
    assert "Vertrieb 1 <span" not in m.overview.value and m.unit_state.value == ""
    m.picker.value = "GF"
    assert "nicht gespeichert" in m.unit_state.value
    m.picker.value = "Vertrieb 1"
    # a conflict in a rating names the journey by its name, and its row says so too
    j = app.journeys
    j.picker.value = "Leitung Vertrieb"
    store.bump(("journey", "problemfall", "Leitung Vertrieb"))
    j.rate("problemfall", feasibility=5)
    name = next(x.name for x in store.parameters().workshop.journeys if x.id == "problemfall")
    assert f"Bewertung {name} durch Leitung Vertrieb" in app.status.message
    assert "nicht gespeichert" in j.row_state["problemfall"].value
    app.status.reload()  # "neu laden" resolves every open conflict
    assert app.status.state == "reloaded" and app.status.reload_button.layout.display == "none"
    assert "nicht gespeichert" not in m.overview.value
    m.picker.value = "GF"
    m.answer("D1.2", 4)
    assert app.status.state == "saved"


def test_typed_plan_input_is_not_saved_until_the_store_confirms():
    store = FakeStore()

    async def session() -> tuple[str, str, str]:
        app = WorkshopApp(store, "de", debounce=0.05, report=False)
        app.plan.measure_rows[0].fields["owner"].value = "Leitung Kundenservice"
        waiting = (app.status.state, app.status.message, str(len(store.calls)))
        await asyncio.sleep(0.2)
        return (*waiting, app.status.state)

    state, message, calls, after = asyncio.run(session())
    assert state == "pending" and "Maßnahmenplan – noch nicht gespeichert" in message
    assert calls == "0" and after == "saved"
    assert store.calls[-1][2][0]["owner"] == "Leitung Kundenservice"


def test_an_invalid_field_is_marked_below_it_and_does_not_block_the_valid_rows():
    store = FakeStore()
    app = WorkshopApp(store, "de", debounce=0, report=False)
    stored = store.parameters().workshop.measures
    second = app.plan.measure_rows[1]
    second.fields["check_date"].value = "31.02.2026"
    message = second.messages["check_date"]
    field = second.fields["check_date"]
    box = next(c for c in _walk(app.plan.widget) if field in getattr(c, "children", ()))
    assert box.children == (second.fields["check_date"], message)
    assert type(box).__name__ == "VBox"  # below the field, not off screen to its right
    assert "Kein gültiges Datum" in message.value
    app.plan.measure_rows[0].fields["owner"].value = "Leitung Kundenservice"
    measures = store.calls[-1][2]
    assert measures[0]["owner"] == "Leitung Kundenservice"
    assert measures[1]["check_date"] == stored[1].check_date  # the stored state stays
    assert app.status.state == "invalid"
    assert "Maßnahme 2 – Nicht gespeichert" in app.status.message
    assert "Maßnahmenplan – gespeichert" in app.status.message
    second.fields["check_date"].value = "30.03.2026"
    assert store.calls[-1][2][1]["check_date"] == dt.date(2026, 3, 30)
    assert app.status.state == "saved"


def _walk(widget):
    for child in getattr(widget, "children", ()):
        yield child
        yield from _walk(child)


def test_the_conflict_message_of_the_real_store_is_plain_german_and_stays_beside_the_unit(
    tmp_path,
):
    """Issue 16: the message had grammar errors ("Die Antworten … wurde"), said "Ihre Eingaben
    bleiben stehen" twice, named the journey by its id, and vanished after the next save."""
    import getpass
    import re

    from cxlib.workshop.store import WorkshopStore
    from tests.test_workshop_store import copy_client

    params_file = copy_client(tmp_path, "cafe-bohnenglueck")
    ours, theirs = (
        WorkshopStore(params_file, writer="Ben"),
        WorkshopStore(params_file, writer="Anna"),
    )
    app = WorkshopApp(ours, "de", report=False)
    m = app.maturity
    m.picker.value = "R1"
    theirs.save_maturity("R1", m.respondents["R1"].department, {"D1.1": 0})
    m.answer("D1.2", 4)
    message = app.status.message
    assert "Der Reifegrad-Fragebogen von „R1“ wurde inzwischen von Anna um " in message
    assert message.count("Ihre Eingaben bleiben stehen") == 1
    assert message.count("neu laden") + message.count("Neu laden") == 2  # the advice, the button
    sentences = [s.strip() for s in re.split(r"[.;]", message) if s.strip()]
    assert len(sentences) == len(set(sentences))
    assert getpass.getuser() not in message.replace("Anna", "").replace("Ben", "")
    # beside the person, also after another person was saved; gone after "neu laden"
    assert "nicht gespeichert" in m.unit_state.value
    other = next(name for name in m.respondents if name != "R1")
    m.picker.value = other
    m.answer("D1.1", 2)
    assert app.status.state == "conflict"
    assert "<td>R1 <span" in m.overview.value and "nicht gespeichert" in m.overview.value
    # a rating: the journey by the name the room sees
    j = app.journeys
    participant = j.participants[0]
    j.picker.value = participant
    journey = j.journeys[0]
    theirs.save_rating(journey.id, participant, 2, 2, 2)
    j.rate(journey.id, frequency=1, damage=1, feasibility=5)
    assert f"für die Journey „{journey.name}“" in app.status.message
    assert journey.name != journey.id
    assert "nicht gespeichert" in j.row_state[journey.id].value
    app.status.reload()
    assert "nicht gespeichert" not in m.overview.value and m.unit_state.value == ""
    assert app.status.state == "reloaded"
