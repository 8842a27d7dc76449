"""The workshop widgets, driven from Python: set values, click, check saves and live results.

The widgets talk to the workshop store only through its interface. Most tests
use :class:`FakeStore` (in memory, records every call, can be told to raise a
conflict) so that they check exactly what the widgets hand over; the tests at the
end run against the real :class:`cxlib.workshop.store.WorkshopStore` on copies of
the demo client's files when that module is present.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import shutil
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import ipywidgets
import pandas as pd
import pytest
from pydantic import ValidationError

from cxlib.exceptions import CXError
from cxlib.journeys.selection import select
from cxlib.maturity.assessment import assess, questionnaire
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import JourneyRating, Measure, PainPoint
from cxlib.workshop.app import StatusBar, WorkshopApp, is_conflict, workshop_app
from cxlib.workshop.capture import Debouncer
from cxlib.workshop.journey_capture import JourneyCapture
from cxlib.workshop.maturity_capture import DONT_KNOW, MaturityCapture
from cxlib.workshop.plan_capture import PlanCapture, parse_date, parse_number

ROOT = Path(__file__).resolve().parents[1]
LINDENAU = ROOT / "parameters" / "stadtwerke-lindenau.yaml"
ITEMS = list(questionnaire("de")["item"])

try:
    from cxlib.exceptions import WorkshopConflict
except ImportError:  # the storage layer is not there yet

    class WorkshopConflict(CXError):  # type: ignore[no-redef]
        """Stand-in with the store's class name."""


@dataclass(frozen=True)
class Saved:
    path: Path
    token: str
    backup: Path | None = None


class FakeStore:
    """In-memory workshop store: the interface of WorkshopStore, with a call log.

    Tokens are version counters per key; a save with an outdated ``expected``
    token raises WorkshopConflict, as the real store does. ``fail_next`` makes
    the next save raise the given error.
    """

    def __init__(self, params_file: Path = LINDENAU, answers: pd.DataFrame | None = None):
        self.params_file = params_file
        self._params = load_parameters(params_file)
        if answers is None:
            answers = pd.DataFrame(columns=["respondent", "department", "item", "score"])
        self.answers = answers.copy()
        self.versions: dict[object, int] = {}
        self.calls: list[tuple] = []
        self.fail_next: Exception | None = None

    # tokens
    def _token(self, key) -> str:
        return f"{key}@{self.versions.get(key, 0)}"

    def _check(self, key, expected) -> None:
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        if expected is not None and expected != self._token(key):
            raise WorkshopConflict(f"{key} wurde inzwischen geändert.")
        self.versions[key] = self.versions.get(key, 0) + 1

    def bump(self, key) -> None:
        """Simulate a save by someone else."""
        self.versions[key] = self.versions.get(key, 0) + 1

    # interface (test_fake_store_has_the_interface_of_the_real_store keeps it in step)
    def parameters(self):
        return self._params

    @property
    def lang(self) -> str:
        return self._params.language

    def maturity_answers(self, *, all_waves=False) -> pd.DataFrame:
        return self.answers.copy()  # one wave only

    def workshop_wave(self):
        return None

    def maturity_token(self, respondent) -> str:
        return self._token(("maturity", respondent))

    def save_maturity(self, respondent, department, scores, expected=None) -> Saved:
        self._check(("maturity", respondent), expected)
        self.calls.append(("maturity", respondent, department, dict(scores)))
        rows = [
            {"respondent": respondent, "department": department, "item": i, "score": s}
            for i, s in scores.items()
        ]
        kept = self.answers[self.answers["respondent"] != respondent]
        new = pd.DataFrame(rows, columns=["respondent", "department", "item", "score"])
        new["score"] = pd.to_numeric(new["score"], errors="coerce").astype(float)
        self.answers = pd.concat([f for f in (kept, new) if len(f)], ignore_index=True)
        if self.answers.empty:
            self.answers = new
        return Saved(Path("maturity.csv"), self.maturity_token(respondent))

    def journey_token(self, journey_id, participant) -> str:
        return self._token(("journey", journey_id, participant))

    def save_rating(
        self,
        journey_id,
        participant,
        frequency,
        damage,
        feasibility,
        uncertain=False,
        expected=None,
    ) -> Saved:
        key = ("journey", journey_id, participant)
        self._check(key, expected)
        self.calls.append(
            ("rating", journey_id, participant, frequency, damage, feasibility, uncertain)
        )
        rating = JourneyRating(
            participant=participant,
            frequency=frequency,
            damage=damage,
            feasibility=feasibility,
            uncertain=uncertain,
        )
        journeys = []
        for j in self._params.workshop.journeys:
            if j.id == journey_id:
                ratings = [r for r in j.ratings if r.participant != participant] + [rating]
                j = j.model_copy(update={"ratings": ratings})
            journeys.append(j)
        workshop = self._params.workshop.model_copy(update={"journeys": journeys})
        self._params = self._params.model_copy(update={"workshop": workshop})
        return Saved(self.params_file, self.journey_token(journey_id, participant))

    def candidates_token(self) -> str:
        return self._token("candidates")

    def save_candidates(self, candidates, expected=None) -> Saved:
        from cxlib.parameters.schema import JourneyCandidate
        from cxlib.workshop.inputs import check_candidates

        wanted = check_candidates(candidates, self.lang)
        self._check("candidates", expected)
        self.calls.append(("candidates", wanted))
        old = {j.id: j for j in self._params.workshop.journeys}
        journeys = [
            old[i].model_copy(update={"name": name})
            if i in old
            else JourneyCandidate(id=i, name=name)
            for i, name in wanted
        ]
        workshop = self._params.workshop.model_copy(update={"journeys": journeys})
        self._params = self._params.model_copy(update={"workshop": workshop})
        return Saved(self.params_file, self.candidates_token())

    def plan_token(self) -> str:
        return self._token("plan")

    def check_plan(self, pain_points, measures) -> list[tuple[str, str]]:
        problems = []
        for kind, model, items in (
            ("pain_points", PainPoint, pain_points),
            ("measures", Measure, measures),
        ):
            for index, item in enumerate(items):
                try:
                    model.model_validate(item)
                except ValidationError as exc:
                    problems += [(f"workshop.{kind}.{index}", e["msg"]) for e in exc.errors()]
        return problems

    def history(self) -> list:
        return []  # no earlier versions in memory

    def restore(self, version) -> Saved:
        raise CXError(f"{version} ist keine gespeicherte Version")

    def save_plan(self, pain_points, measures, expected=None) -> Saved:
        self._check("plan", expected)
        self.calls.append(("plan", pain_points, measures))
        workshop = self._params.workshop.model_copy(
            update={
                "pain_points": [PainPoint.model_validate(p) for p in pain_points],
                "measures": [Measure.model_validate(m) for m in measures],
            }
        )
        self._params = self._params.model_copy(update={"workshop": workshop})
        return Saved(self.params_file, self.plan_token())


def interface(cls: type) -> dict[str, object]:
    """The public methods of ``cls`` by name (their parameters: name, kind, default) and
    its public properties (as "property"); annotations are left out."""
    out: dict[str, object] = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            out[name] = "property"
        elif callable(member):
            parameters = inspect.signature(member).parameters.values()
            out[name] = [(p.name, p.kind, p.default) for p in parameters]
    return out


def interface_drift(real: type, fake: type, fake_only: set[str]) -> list[tuple[str, str]]:
    """What ``fake`` lacks, adds or does differently from ``real`` as (what, name) pairs;
    empty when both have the same interface. ``fake_only`` are the fake's test helpers."""
    want, have = interface(real), interface(fake)
    drift = [("missing", name) for name in sorted(set(want) - set(have))]
    drift += [("extra", name) for name in sorted(set(have) - set(want) - fake_only)]
    drift += [("differs", n) for n in sorted(set(want) & set(have)) if have[n] != want[n]]
    return drift


def test_fake_store_has_the_interface_of_the_real_store():
    store_module = pytest.importorskip("cxlib.workshop.store")
    real = store_module.WorkshopStore
    assert interface_drift(real, FakeStore, fake_only={"bump"}) == []

    class Drifted(FakeStore):  # the check notices a fake that fell behind
        history = None  # gone
        lang = "de"  # no longer a property

        def maturity_answers(self) -> pd.DataFrame:  # lost all_waves
            return self.answers.copy()

        def save_plan(self, pain_points, measures, expected="") -> Saved:  # other default
            raise AssertionError

        def flush(self) -> None:  # not in the real store
            pass

    assert interface_drift(real, Drifted, fake_only={"bump"}) == [
        ("missing", "history"),
        ("missing", "lang"),
        ("extra", "flush"),
        ("differs", "maturity_answers"),
        ("differs", "save_plan"),
    ]


def demo_answers() -> pd.DataFrame:
    """The Lindenau demo answers of the latest wave (8 respondents × 24 items)."""
    frame = pd.read_csv(ROOT / "data/stadtwerke-lindenau/reifegrad.csv", sep=";")
    frame.columns = ["respondent", "department", "item", "score", "wave"]
    latest = frame[frame["wave"] == frame["wave"].max()]
    return latest.drop(columns="wave").reset_index(drop=True)


# --------------------------------------------------------------------- helpers
def test_parse_date_and_number():
    assert parse_date("16.02.2026") == dt.date(2026, 2, 16)
    assert parse_date("16/02/2026") == dt.date(2026, 2, 16)
    assert parse_date("2026-02-16") == dt.date(2026, 2, 16)
    assert parse_date("31.02.2026") is None
    assert parse_date("16.2.26") is None
    assert parse_number("5,0") == 5.0
    assert parse_number("−32") == -32.0
    assert parse_number("1.5") is None  # unclear in German: 1,5 or 15?
    assert parse_number("1.000") == 1000.0
    assert parse_number("fünf") is None


def test_status_bar_shows_time_and_plain_errors():
    bar = StatusBar("de", clock=lambda: dt.datetime(2026, 1, 31, 14, 32))
    assert bar.attempt(lambda: 42) == 42
    assert "gespeichert 14:32" in bar.label.value
    assert bar.attempt(lambda: (_ for _ in ()).throw(CXError("Datei gesperrt"))) is None
    assert bar.state == "error" and "Datei gesperrt" in bar.label.value
    assert "Traceback" not in bar.label.value
    assert bar.reload_button.layout.display == "none"
    bar.error(WorkshopConflict("von anderer Stelle geändert"))
    assert is_conflict(WorkshopConflict("x")) and bar.state == "conflict"
    assert bar.reload_button.layout.display is None


def test_debouncer_collects_rapid_triggers_in_an_event_loop():
    calls = []
    debounced = Debouncer(lambda: calls.append(1), 0.05)

    async def typing():
        for _ in range(5):  # five keystrokes within the pause
            debounced()
            await asyncio.sleep(0.005)
        assert calls == [] and debounced.pending
        await asyncio.sleep(0.15)

    asyncio.run(typing())
    assert calls == [1]
    debounced()  # no event loop: at once
    assert calls == [1, 1]
    with debounced.hold():
        debounced()
        debounced()
        assert calls == [1, 1]
    assert calls == [1, 1, 1]


# --------------------------------------------------------------------- maturity
def test_entering_a_demo_respondent_reproduces_assess():
    demo = demo_answers()
    store = FakeStore()
    capture = MaturityCapture(store, "de")
    first = demo[demo["respondent"] == demo["respondent"].iat[0]]
    name, department = first["respondent"].iat[0], first["department"].iat[0]
    capture.add_respondent(name, department)
    with capture._redraw.hold():  # the chart once at the end, as the kernel's debounce does
        for row in first.itertuples():
            capture.answer(row.item, None if pd.isna(row.score) else int(row.score))
    assert "24 von 24" in capture.progress.value
    assert capture.accordion.selected_index == 7  # each completed page opened the next
    expected = assess(first)
    assert capture.result is not None
    assert capture.result.index == pytest.approx(expected.index)
    assert capture.result.stage == expected.stage
    # the last save holds exactly the clicked answers, "weiß nicht" as None
    clicked = {r.item: (None if pd.isna(r.score) else int(r.score)) for r in first.itertuples()}
    assert store.calls[-1] == ("maturity", name, department, clicked)
    assert f"Stufe {expected.stage}" in capture.result_text.value
    assert capture.chart.value[:4] == b"\x89PNG"


def test_loaded_respondents_give_assess_result_and_flags():
    demo = demo_answers()
    capture = MaturityCapture(FakeStore(answers=demo), "de")
    expected = assess(demo)
    r = capture.result
    assert r.index == pytest.approx(expected.index)
    assert r.stage == expected.stage
    assert list(r.disagreements["item"]) == list(expected.disagreements["item"])
    assert len(expected.disagreements) > 0
    for item in expected.disagreements["item"]:
        assert f"<li>{item} " in capture.flags.value
    assert capture.overview.value.count("24/24") == demo["respondent"].nunique()
    # the index shown per respondent is the one assess gives
    one = expected.respondents.iloc[0]
    shown = f"<td>{one['respondent']}</td><td>{one['department']}</td><td>24/24</td>"
    rounded = Decimal(str(one["index"])).quantize(Decimal(1), ROUND_HALF_UP)
    assert shown + f"<td>{rounded}</td>" in capture.overview.value


def test_dont_know_is_saved_as_empty_not_zero_and_counts_as_progress():
    store = FakeStore()
    capture = MaturityCapture(store, "de")
    capture.add_respondent("GF", "Geschäftsführung")
    capture.answer("D1.1", 4)
    capture.answer("D1.2", None)
    assert capture.choices["D1.2"].value == DONT_KNOW
    assert capture.accordion.selected_index == 0  # D1.3 still open
    assert "2 von 24" in capture.progress.value
    assert store.calls[-1][3] == {"D1.1": 4, "D1.2": None}
    # no index yet (dimensions without answers), but the partial result of D1
    assert capture.result is None
    assert "Teilergebnis" in capture.result_text.value


def test_partial_answers_show_the_rated_dimensions_and_what_is_missing():
    """Issue 16: the result stayed empty until every dimension had an answer."""
    capture = MaturityCapture(FakeStore(), "de")
    capture.add_respondent("A", "Vertrieb")
    capture.answer("D1.1", 3)
    capture.add_respondent("B", "Service")
    capture.answer("D1.1", 1)
    capture.answer("D1.2", 4)
    capture.answer("D2.1", 2)
    capture.answer("D2.2", None)  # "weiß nicht" is no rating
    text = capture.result_text.value
    assert capture.result is None
    assert "Teilergebnis" in text
    # points = score / 4 * 100: D1 (75 + 25 + 100) / 3 = 66.7, D2 2 / 4 * 100 = 50
    assert "<td>D1 Strategie &amp; Führung</td><td>67</td><td>3</td>" in text
    assert "<td>D2 Organisation &amp; Zusammenarbeit</td><td>50</td><td>1</td>" in text
    assert "<td>D3 Kundenverständnis &amp; Voice of the Customer</td><td>–</td><td>0</td>" in text
    assert "Noch ohne Bewertung: D3 Kundenverständnis" in text
    assert "D8 Technologie &amp; Datenintegration." in text
    # 24 statements, 3 of them rated (D1.1, D1.2, D2.1); the first eight missing are named
    assert (
        "Aussagen ohne Bewertung: 21 von 24 "
        "(D1.3, D2.2, D2.3, D3.1, D3.2, D3.3, D4.1, D4.2 …)." in text
    )


def test_a_full_result_still_names_the_statements_nobody_rated():
    capture = MaturityCapture(FakeStore(), "de")
    capture.add_respondent("A", "Vertrieb")
    for dimension in range(1, 9):
        capture.answer(f"D{dimension}.1", 2)
    assert capture.result is not None
    assert capture.result.index == pytest.approx(50)  # 2 / 4 * 100 in every dimension
    assert "Noch ohne Bewertung" not in capture.result_text.value
    assert "Aussagen ohne Bewertung: 16 von 24 (D1.2, D1.3, D2.2," in capture.result_text.value


def test_disagreement_flag_appears_at_once_with_names():
    store = FakeStore()
    capture = MaturityCapture(store, "de")
    for name, dept, score in (("A", "Vertrieb", 1), ("B", "Service", 3)):
        capture.add_respondent(name, dept)
        with capture._redraw.hold():
            for item in ITEMS:
                capture.answer(item, 2)
        capture.answer("D3.2", score)
    flags = capture.flags.value
    assert "<li>D3.2 " in flags and "niedrigste 1 (A)" in flags and "höchste 3 (B)" in flags
    assert flags.count("<li>") == 1


def test_switching_respondents_shows_their_answers():
    store = FakeStore(answers=demo_answers())
    capture = MaturityCapture(store, "de")
    demo = demo_answers()
    second = demo["respondent"].unique()[1]
    capture.picker.value = second
    want = demo[(demo["respondent"] == second) & (demo["item"] == "D2.1")]["score"].iat[0]
    got = capture.choices["D2.1"].value
    assert got == (DONT_KNOW if pd.isna(want) else int(want))
    assert "24 von 24" in capture.progress.value


def test_add_respondent_needs_name_and_department():
    capture = MaturityCapture(FakeStore(), "de")
    capture.add_respondent("", "Vertrieb")
    assert "Name oder Rolle" in capture.add_message.value
    capture.add_respondent("X", "")
    assert "Abteilung" in capture.add_message.value
    assert capture.respondents == {}


def test_maturity_conflict_keeps_input_and_offers_reload():
    store = FakeStore()
    app = WorkshopApp(store, "de", report=False)
    m = app.maturity
    m.add_respondent("GF", "Geschäftsführung")
    m.answer("D1.1", 3)
    store.bump(("maturity", "GF"))  # someone else saves GF meanwhile
    m.answer("D1.2", 4)
    assert app.status.state == "conflict"
    assert "neu laden" in app.status.reload_button.description
    assert app.status.reload_button.layout.display is None
    assert m.choices["D1.2"].value == 4 and m.current.scores == {"D1.1": 3, "D1.2": 4}
    assert store.calls[-1][3] == {"D1.1": 3}  # the conflicting save was refused
    app.status.reload()  # "neu laden" shows the saved state
    assert m.current.scores == {"D1.1": 3}
    assert m.choices["D1.2"].value is None
    m.answer("D1.2", 4)  # with the fresh token the save goes through
    assert app.status.state == "saved" and store.calls[-1][3] == {"D1.1": 3, "D1.2": 4}


# --------------------------------------------------------------------- journeys
def test_journey_ratings_are_saved_when_complete_and_choice_is_live():
    store = FakeStore()
    capture = JourneyCapture(store, "de")
    params = load_parameters(LINDENAU)
    # loaded: the demo ratings give the demo selection
    from cxlib.journeys.selection import from_workshop

    expected = from_workshop(params.workshop, params.analysis.journey)
    assert capture.selection.selected == expected.selected == "Geldphase"
    assert "Gewählt: Geldphase" in capture.result_text.value
    # a new participant rates Problemfall high: incomplete rows are not saved
    capture.add_participant("Leitung IT")
    n = len(store.calls)
    capture.rate("problemfall", frequency=5, damage=5)
    assert len(store.calls) == n
    assert "noch nicht vollständig" in capture.row_state["problemfall"].value
    capture.rate("problemfall", feasibility=5)
    assert store.calls[-1] == ("rating", "problemfall", "Leitung IT", 5, 5, 5, False)
    # recompute independently from the ratings table
    frame = pd.DataFrame(
        [
            {
                "journey": j.name,
                "rater": r.participant,
                "frequency": r.frequency,
                "damage": r.damage,
                "feasibility": r.feasibility,
                "uncertain": r.uncertain,
            }
            for j in store.parameters().workshop.journeys
            for r in j.ratings
        ]
    )
    want = select(frame, params.analysis.journey.min_rating, "Startphase")
    assert capture.selection.selected == want.selected
    assert want.explanation("de") in capture.result_text.value.replace("&quot;", '"')


def test_uncertain_mark_switches_to_fallback_with_reason():
    store = FakeStore()
    capture = JourneyCapture(store, "de")
    capture.picker.value = "Geschäftsführung"
    capture.rate("geldphase", uncertain=True)
    assert store.calls[-1] == ("rating", "geldphase", "Geschäftsführung", 5, 5, 3, True)
    assert capture.selection.reason == "uncertain"
    assert capture.selection.selected == "Startphase"
    assert "Gewählt: Startphase" in capture.result_text.value


def test_journey_conflict_keeps_clicks_and_english_texts():
    store = FakeStore()
    app = WorkshopApp(store, "en", report=False)
    j = app.journeys
    j.picker.value = "Leitung Vertrieb"
    store.bump(("journey", "problemfall", "Leitung Vertrieb"))
    j.rate("problemfall", feasibility=5)
    assert app.status.state == "conflict" and "Not saved" in app.status.message
    assert j.buttons["problemfall", "feasibility"].value == "5"
    assert j.ratings["problemfall", "Leitung Vertrieb"]["feasibility"] == 5
    assert "Chosen: " in j.result_text.value
    app.status.reload()
    assert j.buttons["problemfall", "feasibility"].value == "3"  # the saved rating
    j.rate("problemfall", feasibility=5)
    assert app.status.state == "saved"
    assert store.calls[-1] == ("rating", "problemfall", "Leitung Vertrieb", 3, 5, 5, False)


# --------------------------------------------------------------------- plan
def test_plan_loads_existing_entries_and_keeps_hidden_keys():
    store = FakeStore()
    plan = PlanCapture(store, "de", debounce=0)
    assert plan.measure_rows[0].fields["start"].value == "16.02.2026"
    assert plan.measure_rows[2].extra == {"metric": "nps"}
    plan.measure_rows[0].fields["owner"].value = "Leitung Kundenservice"
    _, _, pains, measures = ("plan", None, *store.calls[-1][1:])
    assert measures[0]["owner"] == "Leitung Kundenservice"
    assert measures[0]["baseline"] == 6.4 and measures[2]["metric"] == "nps"
    assert len(pains) == 3 and len(measures) == 3


def test_invalid_measure_date_shows_message_and_saves_nothing():
    store = FakeStore()
    app = WorkshopApp(store, "de", debounce=0, report=False)
    plan = app.plan
    row = plan.measure_rows[1]
    row.fields["check_date"].value = "31.02.2026"
    assert "Kein gültiges Datum" in row.messages["check_date"].value
    assert "cxws-field-error" in row.fields["check_date"]._dom_classes
    assert not [c for c in store.calls if c[0] == "plan"]
    assert app.status.state == "invalid" and "Maßnahme 2" in app.status.message
    row.fields["check_date"].value = "10.02.2026"  # valid date, but before the start
    assert "vor dem Start" in row.messages["check_date"].value
    assert not [c for c in store.calls if c[0] == "plan"]
    row.fields["check_date"].value = "30.03.2026"
    assert row.messages["check_date"].value == ""
    saved = [c for c in store.calls if c[0] == "plan"]
    assert len(saved) == 1 and saved[0][2][1]["check_date"] == dt.date(2026, 3, 30)
    assert app.status.state == "saved"


def test_new_measure_is_saved_only_when_complete():
    store = FakeStore()
    store._params = store._params.model_copy(
        update={"workshop": store._params.workshop.model_copy(update={"measures": []})}
    )
    plan = PlanCapture(store, "de", debounce=0)
    row = plan.measure_rows[0]
    row.journey.value = "startphase"
    for name, value in (
        ("text", "Willkommensanruf"),
        ("owner", "Leitung Kundenservice"),
        ("start", "02.03.2026"),
        ("check_date", "13.04.2026"),
        ("kpi", "Frühkündigungen"),
    ):
        assert not [c for c in store.calls if c[0] == "plan"], name
        row.fields[name].value = value
    row.fields["target"].value = "2,5"
    saved = [c for c in store.calls if c[0] == "plan"]
    assert saved[-1][2] == [
        {
            "journey": "startphase",
            "text": "Willkommensanruf",
            "owner": "Leitung Kundenservice",
            "start": dt.date(2026, 3, 2),
            "check_date": dt.date(2026, 4, 13),
            "kpi": "Frühkündigungen",
            "target": 2.5,
        }
    ]
    row.fields["target"].value = "zwei"
    assert "„zwei“ ist keine Zahl" in row.messages["target"].value
    assert saved[-1] == [c for c in store.calls if c[0] == "plan"][-1]


def test_plan_conflict_keeps_typed_text():
    store = FakeStore()
    app = WorkshopApp(store, "de", debounce=0, report=False)
    store.bump("plan")
    field = app.plan.pain_rows[0].fields["text"]
    field.value = "Neuer Text"
    assert app.status.state == "conflict"
    assert field.value == "Neuer Text"


# --------------------------------------------------------------------- app
def test_app_has_tabs_header_and_large_fonts():
    app = WorkshopApp(FakeStore(), "en", report=False)
    assert app.tabs.titles == ("Maturity", "Journey selection", "Action plan")
    assert "Stadtwerke Lindenau GmbH" in app.title.value
    assert "cxws" in app._dom_classes and "font-size: 19px" in app.children[0].value
    assert app.status.state == "loaded"


def test_where_the_view_cannot_be_shown_a_note_stands_instead_of_its_source():
    """ "Revert" after another server wrote the notebook showed the widget's source text."""
    app = WorkshopApp(FakeStore(), "de", report=False)
    bundle = app._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == app.model_id
    assert bundle["text/plain"].startswith("Die Workshop-Ansicht ist hier nicht aktiv.")
    assert "children=" not in bundle["text/plain"]


def test_report_button_becomes_a_fourth_tab_and_a_broken_one_is_left_out():
    seen = []

    def factory(params_file, lang):
        seen.append((params_file, lang))
        return ipywidgets.Button(description="Bericht erzeugen")

    app = WorkshopApp(FakeStore(), "de", report=factory)
    assert app.tabs.titles[-1] == "Bericht" and len(app.tabs.children) == 4
    assert seen == [(LINDENAU, "de")]

    def broken(params_file, lang):
        raise KeyError("missing text")

    app = WorkshopApp(FakeStore(), "de", report=broken)
    assert len(app.tabs.children) == 3


def test_app_shows_parameter_errors_without_traceback(tmp_path):
    bad = tmp_path / "kaputt.yaml"
    bad.write_text("client: [\n", encoding="utf-8")
    app = workshop_app(bad, report=False)
    assert app.tabs is None and app.status.state == "error"
    assert "YAML-Syntaxfehler" in app.status.message
    assert "Traceback" not in app.status.label.value
    missing = workshop_app("kein-solcher-kunde", report=False)
    assert missing.status.state == "error" and "kein-solcher-kunde" in missing.status.message


# --------------------------------------------------------------------- real store
@pytest.fixture
def project(tmp_path):
    """A copy of the demo parameters and data (the store writes into it)."""
    shutil.copytree(ROOT / "parameters", tmp_path / "parameters")
    shutil.copytree(
        ROOT / "data" / "stadtwerke-lindenau", tmp_path / "data" / "stadtwerke-lindenau"
    )
    return tmp_path / "parameters" / "stadtwerke-lindenau.yaml"


def real_store(path, writer):
    store_module = pytest.importorskip("cxlib.workshop.store")
    return store_module.WorkshopStore(path, writer=writer)


def test_real_store_maturity_click_is_saved_and_two_tabs_do_not_overwrite(project):
    one = MaturityCapture(real_store(project, "Anna"), "de")
    two_status = StatusBar("de")
    two = MaturityCapture(real_store(project, "Ben"), "de", two_status)
    assert one.picker.value == two.picker.value == "P01"
    before = one.choices["D1.1"].value
    one.answer("D1.1", 0 if before != 0 else 1)
    fresh = real_store(project, "Carla").maturity_answers()
    row = fresh[(fresh["respondent"] == "P01") & (fresh["item"] == "D1.1")]
    assert row["score"].iat[0] == one.choices["D1.1"].value
    # the second tab still holds the old state of P01: its save is refused, input kept
    two.answer("D1.2", 4)
    assert two_status.state == "conflict" and "Anna" in two_status.message
    assert two.choices["D1.2"].value == 4
    fresh = real_store(project, "Carla").maturity_answers()
    p01 = fresh[fresh["respondent"] == "P01"].set_index("item")["score"]
    assert p01["D1.1"] == one.choices["D1.1"].value
    assert p01["D1.2"] == one.respondents["P01"].scores["D1.2"]  # unchanged by tab two
    # "neu laden" shows Anna's answer; then the save goes through
    two.load()
    assert two.choices["D1.1"].value == one.choices["D1.1"].value
    two.answer("D1.2", 4)
    assert two_status.state == "saved"
    # the live index is assess() on the saved file (read the way a batch run reads it)
    expected = assess(real_store(project, "Carla").maturity_answers())
    assert two.result.index == pytest.approx(expected.index)


def test_real_store_rating_and_plan_reach_the_parameter_file(project):
    app = WorkshopApp(real_store(project, "Anna"), "de", debounce=0, report=False)
    app.journeys.add_participant("Leitung IT")
    app.journeys.rate("startphase", frequency=5, damage=5, feasibility=5)
    assert app.status.state == "saved"
    params = load_parameters(project)
    start = next(j for j in params.workshop.journeys if j.id == "startphase")
    assert [r.participant for r in start.ratings][-1] == "Leitung IT"
    assert (start.ratings[-1].frequency, start.ratings[-1].damage) == (5, 5)
    from cxlib.journeys.selection import from_workshop

    assert (
        app.journeys.selection.selected
        == from_workshop(params.workshop, params.analysis.journey).selected
    )
    # an invalid date: nothing is written
    text = project.read_text(encoding="utf-8")
    row = app.plan.measure_rows[0]
    row.fields["start"].value = "30.02.2026"
    assert project.read_text(encoding="utf-8") == text
    assert "Kein gültiges Datum" in row.messages["start"].value
    row.fields["start"].value = "23.02.2026"
    saved = project.read_text(encoding="utf-8")
    assert "start: 2026-02-23" in saved
    assert "# Checkliste der acht Symptome" in saved  # comments survive
    assert load_parameters(project).workshop.measures[0].start == dt.date(2026, 2, 23)


def test_real_store_history_restores_an_overwritten_answer(project):
    app = WorkshopApp(real_store(project, "Anna"), "de", report=False)
    m = app.maturity
    original = m.choices["D1.1"].value
    m.answer("D1.1", 0 if original != 0 else 1)
    assert app.status.state == "saved"
    app.history.toggle.value = True  # "Frühere Stände"
    assert app.history.versions, "the save must have kept the previous file"
    index = next(i for i, v in enumerate(app.history.versions) if v.original.suffix == ".csv")
    assert "Anna" in app.history.choice.options[index][0]
    app.history.choice.value = index
    app.history.restore_button.click()
    assert app.status.state == "restored"
    assert m.choices["D1.1"].value == original  # the tabs show the restored file
    fresh = real_store(project, "Carla").maturity_answers()
    row = fresh[(fresh["respondent"] == "P01") & (fresh["item"] == "D1.1")]
    assert row["score"].iat[0] == original


# --- journey candidates from the workshop (a new client starts with journeys: []) ----------


def empty_client(tmp_path: Path) -> Path:
    from cxlib.cli import main as cli

    assert (
        cli(["new", "leer", "--dir", str(tmp_path / "p"), "--data-dir", str(tmp_path / "d")]) == 0
    )
    return tmp_path / "p" / "leer.yaml"


def test_a_new_client_gets_the_seeds_candidates_and_can_rate_them(tmp_path):
    """`cxwb new` writes `journeys: []`; the workshop could not add candidates."""
    from cxlib.workshop.store import WorkshopStore

    params = empty_client(tmp_path)
    app = WorkshopApp(WorkshopStore(params, writer="Test"), "de", debounce=0, redraw=0)
    journeys = app.journeys
    assert journeys.journeys == [] and journeys.candidates.selected_index == 0  # open
    (standard,) = [c for c in journeys.candidate_box.children if isinstance(c, ipywidgets.Button)]
    assert "Startphase, Problemfall, Geldphase" in standard.description
    standard.click()
    saved = load_parameters(params).workshop.journeys
    assert [(j.id, j.name) for j in saved] == [
        ("startphase", "Startphase"),
        ("problemfall", "Problemfall"),
        ("geldphase", "Geldphase"),
    ]
    assert set(journeys.buttons) == {
        (j, c)
        for j in ("startphase", "problemfall", "geldphase")
        for c in ("frequency", "damage", "feasibility")
    }
    # the plan tab offers the new journeys at once
    options = app.plan.pain_rows[0].journey.options
    assert [value for _label, value in options] == ["startphase", "problemfall", "geldphase"]
    journeys.add_participant("Geschäftsführung")
    journeys.rate("problemfall", 4, 4, 4)
    assert load_parameters(params).workshop.journeys[1].ratings[0].frequency == 4
    # rename keeps the ratings; a name that is there already (case aside) is refused
    name_box = journeys.candidate_box.children[1].children[0]
    name_box.value = "  Reklamation "
    saved = load_parameters(params).workshop.journeys
    assert (saved[1].id, saved[1].name, len(saved[1].ratings)) == ("problemfall", "Reklamation", 1)
    journeys.candidate_name.value = "geldphase"
    add = journeys.candidate_box.children[-1].children[1]
    add.click()
    assert len(load_parameters(params).workshop.journeys) == 3
    assert "gibt es schon" in app.status.message
    # remove
    journeys.candidate_box.children[2].children[1].click()  # "entfernen" of Geldphase
    assert [j.id for j in load_parameters(params).workshop.journeys] == [
        "startphase",
        "problemfall",
    ]


def test_the_plan_warns_when_its_journey_is_not_the_chosen_one():
    store = FakeStore()
    app = WorkshopApp(store, "de", debounce=0, redraw=0)
    chosen = app.journeys.selection.selected
    plan_names = {
        app.plan.journey_names[r.journey.value] for r in app.plan.pain_rows if r.journey.value
    }
    assert chosen in plan_names and app.plan.journey_note.value == ""
    other = next(j for j in store.parameters().workshop.journeys if j.name != chosen)
    for row in (*app.plan.pain_rows, *app.plan.measure_rows):
        row.journey.value = other.id
    note = app.plan.journey_note.value
    assert f"„{other.name}“" in note and f"„{chosen}“" in note and "Achtung" in note
