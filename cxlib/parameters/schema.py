"""The typed schema of a client's parameter file: one YAML file per client (pydantic).

The YAML file is the only source of truth for a run; :mod:`cxlib.parameters.files`
reads it and reports every problem at once with file, key and line. Text fields
are strict: an unquoted ``01067`` is a number in YAML, so it is rejected with the
advice to quote it instead of silently becoming ``1067``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cxlib.io.tables import TABLES
from cxlib.parameters.problems import UNKNOWN_JOURNEY, UNKNOWN_PHASE

SCHEMA_VERSION = 1

Text = Annotated[StrictStr, Field(min_length=1)]
Rating = Annotated[int, Field(ge=1, le=5, strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Client(_Model):
    """Who the report is for."""

    id: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")] = Field(
        description="Kurzname des Kunden: Kleinbuchstaben, Ziffern, - und _ (wird Ordnername)."
    )
    name: Text = Field(description="Firmenname, wie er im Bericht erscheint.")
    industry: Text | None = Field(None, description="Branche, z. B. Energieversorgung.")
    size_class: Literal["klein", "mittel", "groß"] | None = Field(
        None, description="Größenklasse (klein < 50, mittel < 250, groß ≥ 250 Beschäftigte)."
    )
    loyalty_cards: bool = Field(
        False,
        description="Kunden werden über eine Kundenkarte erkannt (eine Kundennummer je Karte); "
        "der Bericht spricht dann von Karten, sonst nie.",
    )


class DataFile(_Model):
    """One client data file and how to read it."""

    file: Text = Field(description="Pfad zur CSV- oder XLSX-Datei, relativ zur Parameterdatei.")
    sheet: Text | None = Field(None, description="Tabellenblatt (nur XLSX); sonst das erste.")
    header_row: Annotated[int, Field(ge=1, le=50)] | None = Field(
        None, description="Zeile mit den Spaltenüberschriften (1 = erste); sonst erkannt."
    )
    columns: dict[StrictStr, StrictStr] = Field(
        default_factory=dict,
        description="Zuordnung Spaltenüberschrift des Kunden → kanonischer Name, "
        "z. B. {Kundennummer: customer_id}.",
    )
    separator: Literal[";", ",", "\t", "|"] | None = Field(
        None, description="Trennzeichen (CSV); sonst erkannt."
    )
    decimal: Literal[",", "."] | None = Field(
        None, description="Dezimalzeichen; sonst ',' bei ';'-Dateien, '.' bei ','-Dateien."
    )
    thousands: Literal[".", ",", " ", ""] | None = Field(
        None, description="Tausendertrennzeichen; sonst passend zum Dezimalzeichen."
    )
    encoding: Literal["utf-8", "utf-8-sig", "cp1252", "latin-1"] | None = Field(
        None, description="Zeichenkodierung; sonst erkannt (UTF-8 mit/ohne BOM, sonst cp1252)."
    )
    date_format: Text | None = Field(
        None, description="Datumsformat im strftime-Stil, z. B. '%d.%m.%Y'; sonst erkannt."
    )
    invalid_rows: Literal["error", "skip"] = Field(
        "error",
        description="'error': jede fehlerhafte Zeile bricht ab (mit Liste); 'skip': "
        "fehlerhafte Zeilen werden ausgelassen und im Anhang gezählt.",
    )


class DataFiles(_Model):
    """The client's data files, each optional unless an analysis needs it."""

    customers: DataFile | None = None
    transactions: DataFile | None = None
    survey: DataFile | None = None
    tickets: DataFile | None = None
    maturity: DataFile | None = None
    signals: DataFile | None = None

    @model_validator(mode="after")
    def _mapping_targets_exist(self) -> DataFiles:
        for table_name in type(self).model_fields:
            source = getattr(self, table_name)
            if source is None:
                continue
            spec = TABLES[table_name]
            for header, target in source.columns.items():
                try:
                    spec.column(target)
                except KeyError:
                    known = ", ".join(c.name for c in spec.columns)
                    raise ValueError(
                        f"{table_name}.columns: „{header}“ → „{target}“: unbekannte Zielspalte; "
                        f"bekannt sind {known}"
                    ) from None
        return self


class JourneyRating(_Model):
    """One participant's workshop rating of one candidate journey (1-5 each)."""

    participant: Text = Field(description="Teilnehmer oder Rolle.")
    frequency: Rating = Field(alias="haeufigkeit", description="Häufigkeit 1-5.")
    damage: Rating = Field(alias="schaden", description="Schaden 1-5.")
    feasibility: Rating = Field(alias="machbarkeit", description="Machbarkeit in 4-6 Wochen 1-5.")
    uncertain: bool = Field(False, alias="unsicher", description="Bewertung unsicher.")


class JourneyCandidate(_Model):
    """A candidate journey and its workshop ratings."""

    id: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: Text
    phases: list[Text] = Field(default_factory=list, description="Journey-Phasen, die dazugehören.")
    ratings: list[JourneyRating] = Field(default_factory=list)


#: The baseline KPIs a target can be set for (rows of the KPI baseline table).
TargetKpi = Literal[
    "nps",
    "csat",
    "ces",
    "ces_share",
    "retention",
    "churn",
    "early_churn",
    "arpu",
    "repurchase",
    "upsell",
    "clv",
]

#: What a measure's KPI can be computed from (the baseline comes from the data).
PlanMetric = Literal[
    "nps", "csat", "ces", "repeat_tickets", "ticket_share", "early_churn", "monthly_churn"
]


class PainPoint(_Model):
    """A pain point named in the workshop, optionally linked to evidence in the data."""

    journey: Text
    text: Text
    phase: Text | None = Field(
        None, description="Journey-Phase, in der der Schmerzpunkt auftritt (für die Evidenz)."
    )
    ticket_category: Text | None = Field(
        None, description="Ticket-Kategorie, die den Schmerzpunkt belegt (z. B. Rechnung)."
    )


class MeasureGroup(_Model):
    """The customers a measure's monthly churn rate is counted on: one value of one column."""

    column: Literal["segment", "product", "region", "channel"] = Field(
        description="Spalte der Kundentabelle: segment, product, region oder channel."
    )
    value: Text = Field(description="Wert der Spalte, z. B. Vergleichsportal.")


class Measure(_Model):
    """A measure of the action plan."""

    journey: Text
    text: Text
    owner: Text
    start: dt.date
    check_date: dt.date
    kpi: Text
    target: float | None = None
    metric: PlanMetric | None = Field(
        None,
        description="Kennzahl aus den Daten, deren Ausgangswert berechnet wird: nps, csat, "
        "ces, repeat_tickets, ticket_share, early_churn oder monthly_churn (monatliche "
        "Kündigungsquote der letzten 12 Monate, mit group nur einer Kundengruppe; Anteile in "
        "Prozent, wie target). Nur early_churn und monthly_churn werden in Euro bewertet.",
    )
    group: MeasureGroup | None = Field(
        None,
        description="Nur mit metric monthly_churn: die Kundengruppe, z. B. "
        "{column: channel, value: Vergleichsportal}; ohne Angabe alle Kunden.",
    )
    baseline: float | None = Field(
        None, description="Ausgangswert, falls er nicht aus den Daten berechnet werden kann."
    )

    @model_validator(mode="after")
    def _check_after_start(self) -> Measure:
        if self.check_date < self.start:
            raise ValueError("check_date liegt vor start")
        if self.group is not None and self.metric != "monthly_churn":
            raise ValueError("group gilt nur mit metric: monthly_churn")
        return self


#: The seed's 8-symptom checklist (seed 003, "Noch Fragen?"), keys in the parameter file.
SYMPTOMS = (
    "wiederkauf_bleibt_aus",
    "kuendigungen_haeufen_sich",
    "bestandskunden_wachsen_nicht",
    "beschwerden_ueber_kleinigkeiten",
    "service_frisst_zeit",
    "rabatte_als_gewohnheit",
    "empfehlungen_fehlen",
    "fruehe_abbrueche",
)


class Symptoms(_Model):
    """Answers to the seed's 8-symptom checklist: true (applies), false, or empty (open)."""

    wiederkauf_bleibt_aus: bool | None = None
    kuendigungen_haeufen_sich: bool | None = None
    bestandskunden_wachsen_nicht: bool | None = None
    beschwerden_ueber_kleinigkeiten: bool | None = None
    service_frisst_zeit: bool | None = None
    rabatte_als_gewohnheit: bool | None = None
    empfehlungen_fehlen: bool | None = None
    fruehe_abbrueche: bool | None = None


class Workshop(_Model):
    """What the client workshop produced."""

    phases: list[Text] = Field(
        default_factory=lambda: [
            "Orientierung",
            "Kauf/Abschluss",
            "Onboarding",
            "Nutzung",
            "Service/Problemfall",
            "Verlängerung/Rechnung",
            "Empfehlung oder Abwanderung",
        ],
        description="Journey-Phasen des Kunden (Standard nach Methodik).",
    )
    phase_map: dict[StrictStr, StrictStr] = Field(
        default_factory=dict,
        description="Zuordnung von Ticket-Kategorien oder Umfrage-Kontaktpunkten zu Phasen, "
        "wenn die Daten keine Phase enthalten, z. B. {Störung: Service/Problemfall}.",
    )
    moments_of_truth: dict[StrictStr, StrictStr] = Field(
        default_factory=dict,
        description="Momente der Wahrheit je Phase für die Journey-Map, in den Worten des "
        "Kunden, z. B. {Nutzung: 'Umzug, Zählerstand'}; ersetzt die Standardtexte der Phase.",
    )
    journeys: list[JourneyCandidate] = Field(default_factory=list)
    pain_points: list[PainPoint] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    symptoms: Symptoms = Field(
        default_factory=Symptoms, description="Checkliste der acht Symptome (ja/nein/leer)."
    )

    @model_validator(mode="after")
    def _journey_references(self) -> Workshop:
        ids = {j.id for j in self.journeys}
        for kind, items in (("pain_points", self.pain_points), ("measures", self.measures)):
            for item in items:
                if item.journey not in ids:
                    raise PydanticCustomError(
                        UNKNOWN_JOURNEY,
                        "{kind}: Journey „{journey}“ ist nicht unter journeys definiert",
                        {"kind": kind, "journey": item.journey},
                    )
        phases = set(self.phases)
        named = [(f"journeys ({j.id})", p) for j in self.journeys for p in j.phases]
        named += [("phase_map", p) for p in self.phase_map.values()]
        named += [("moments_of_truth", p) for p in self.moments_of_truth]
        named += [("pain_points", p.phase) for p in self.pain_points if p.phase]
        for kind, phase in named:
            if phase not in phases:
                raise PydanticCustomError(
                    UNKNOWN_PHASE,
                    "{kind}: Phase „{phase}“ ist nicht unter workshop.phases definiert",
                    {"kind": kind, "phase": phase},
                )
        return self


class Branding(_Model):
    """How the report looks for this client."""

    logo: Text | None = Field(None, description="PNG-, JPG- oder SVG-Logo, relativ zur Datei.")
    accent_color: Annotated[StrictStr, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = Field(
        "#1f5f8b", description="Akzentfarbe als #RRGGBB."
    )
    pdf: bool = Field(
        False,
        description="Neben report.html auch report.pdf schreiben (A4, mit Seitenzahlen; "
        "braucht Chromium, ohne Chromium bleibt es beim HTML-Bericht).",
    )


class MaturityOptions(_Model):
    """Options of the maturity assessment (notebook 01).

    The defaults are the method's (CX_METHOD.md, "Maturity"); the questionnaire
    itself, its item-to-dimension mapping and default weights are data
    (``cxlib/maturity/data/maturity_questionnaire.yaml``).
    """

    stage_cutoffs: list[Annotated[float, Field(gt=0, lt=100)]] = Field(
        default_factory=lambda: [20.0, 40.0, 60.0, 80.0],
        min_length=4,
        max_length=4,
        description="Indexgrenzen der Stufen 2-5 (0-100); ein Wert genau auf der Grenze "
        "gehört zur höheren Stufe.",
    )
    weakest_link_cap: bool = Field(
        True, description="Gesamtstufe höchstens eine über der Stufe der schwächsten Dimension."
    )
    disagreement_points: Annotated[int, Field(ge=1, le=4)] = Field(
        2,
        description="Uneinigkeit: Antworten auf eine Aussage liegen so viele Punkte (0-4) "
        "auseinander.",
    )
    silo_points: Annotated[float, Field(gt=0, le=100)] = Field(
        25.0,
        description="Silo-Hinweis: Abteilungswerte einer Dimension liegen so viele Punkte "
        "(0-100) auseinander (25 = ein Skalenpunkt).",
    )
    weights: (
        dict[Annotated[StrictStr, Field(pattern=r"^D[0-9]+$")], Annotated[float, Field(ge=0)]]
        | None
    ) = Field(
        None,
        description="Gewichte der Dimensionen für den Index, z. B. {D1: 2}; fehlende "
        "Dimensionen behalten das Gewicht aus dem Fragebogen (Standard: alle gleich).",
    )
    questionnaire: Text | None = Field(
        None,
        description="Eigener Fragebogen (YAML, relativ zur Parameterdatei); sonst der "
        "mitgelieferte.",
    )
    fields_of_action: Annotated[int, Field(ge=1, le=8)] = Field(
        3, description="So viele schwächste Dimensionen werden zu Handlungsfeldern."
    )

    @model_validator(mode="after")
    def _cutoffs_increase(self) -> MaturityOptions:
        if any(b <= a for a, b in zip(self.stage_cutoffs, self.stage_cutoffs[1:], strict=False)):
            raise ValueError("stage_cutoffs müssen aufsteigend sein, z. B. [20, 40, 60, 80]")
        return self


class JourneyOptions(_Model):
    """Options of the journey selection (notebook 02): the rule's thresholds."""

    min_rating: Annotated[float, Field(ge=1, le=5)] = Field(
        3, description="Eine Journey kommt nur in Frage, wenn alle drei Mittelwerte so hoch sind."
    )
    fallback: Text = Field(
        "startphase",
        description="Journey (ID oder Name) nach der Praxisregel „Startphase zuerst“: "
        "bei Unsicherheit oder wenn keine Journey in Frage kommt.",
    )
    rare_rating_max: Annotated[float, Field(ge=1, le=5)] = Field(
        2, description="Häufigkeit bis hierher gilt als „selten“ bewertet."
    )
    frequent_ticket_share: Annotated[float, Field(gt=0, le=1)] = Field(
        0.40, description="Widerspruch: „selten“ bewertet, aber mindestens dieser Ticketanteil."
    )
    frequent_rating_min: Annotated[float, Field(ge=1, le=5)] = Field(
        4, description="Häufigkeit ab hier gilt als „häufig“ bewertet."
    )
    rare_ticket_share: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.05, description="Widerspruch: „häufig“ bewertet, aber höchstens dieser Ticketanteil."
    )
    harmless_rating_max: Annotated[float, Field(ge=1, le=5)] = Field(
        2, description="Schaden bis hierher gilt als „gering“ bewertet."
    )
    nps_gap: Annotated[float, Field(gt=0, le=200)] = Field(
        20,
        description="Widerspruch: Schaden „gering“ bewertet, aber der NPS der Journey liegt "
        "so viele Punkte unter dem NPS aller Antworten.",
    )
    repeat_window_days: Annotated[int, Field(ge=1, le=365)] = Field(
        30, description="Folgeticket: derselbe Kunde, dieselbe Phase, innerhalb so vieler Tage."
    )
    early_churn_months: list[Annotated[int, Field(ge=1, le=24)]] = Field(
        default_factory=lambda: [3, 6], description="Frühe Abwanderung: in den ersten Monaten."
    )
    early_churn_phase: Text = Field(
        "Onboarding", description="Phase, der die frühe Abwanderung zugerechnet wird."
    )
    signal_ratio: Annotated[float, Field(gt=1)] = Field(
        1.5, description="Frühwarnsignal gilt als sichtbar ab diesem Verhältnis Kündiger/Bleiber."
    )
    check_min_days: Annotated[int, Field(ge=1)] = Field(
        28, description="Prüftermin frühestens so viele Tage nach dem Start (4 Wochen)."
    )
    check_max_days: Annotated[int, Field(ge=1)] = Field(
        42, description="Prüftermin spätestens so viele Tage nach dem Start (6 Wochen)."
    )
    levers: Text | None = Field(
        None,
        description="Eigener Hebelkatalog (YAML, relativ zur Parameterdatei): ergänzt den "
        "mitgelieferten um Hebel und Zuordnungen (Kündigungsgründe, Kommentar-Themen, "
        "Kündigungstreiber); Aufbau wie cxlib/journeys/data/levers.yaml.",
    )


class KpiOptions(_Model):
    """Options of the KPI baselines (notebook 03)."""

    discount_rate: Annotated[float, Field(ge=0, le=1)] = Field(
        0.08, description="Jährlicher Diskontsatz für den Kundenwert (CLV)."
    )
    margin_rate: Annotated[float, Field(gt=0, le=1)] = Field(
        0.25, description="Deckungsbeitrag als Anteil am Umsatz (für den CLV)."
    )
    targets: dict[TargetKpi, float] = Field(
        default_factory=dict,
        description="Zielwerte je Kennzahl in ihrer Einheit (NPS −100…100, Anteile in %, "
        "CES 1-7, Euro), z. B. {nps: 10, csat: 70}; ohne Angabe kein Ziel.",
    )
    expected_n: Annotated[int, Field(ge=10)] | None = Field(
        None,
        description="Erwartete Antworten der nächsten Befragungswelle (für die kleinste "
        "nachweisbare Veränderung); sonst so viele wie in der letzten Welle (ohne "
        "Wellen: im letzten Halbjahr).",
    )
    early_churn_months: list[Annotated[int, Field(ge=1, le=36)]] = Field(
        default_factory=lambda: [3, 6],
        description="Frühe Kündigungen: Anteil der Neukunden, die in so vielen Monaten gehen.",
    )
    repurchase_window_days: Annotated[int, Field(ge=7, le=1095)] | None = Field(
        None,
        description="Nicht-vertraglich: Fenster für den Wiederkauf nach dem Erstkauf in Tagen "
        "(passend zum Kaufzyklus); sonst analysis.survival.inactivity_days.",
    )
    bootstrap_draws: Annotated[int, Field(ge=50, le=5000)] = Field(
        200, description="Bootstrap-Stichproben für die Intervalle der Treiberanalyse."
    )


#: A customer attribute the churn analysis can group by or use in its risk model.
Covariate = Literal["segment", "product", "channel", "region", "early_tickets"]
COVARIATES: tuple[Covariate, ...] = ("segment", "product", "channel", "region", "early_tickets")
#: The default order in which groupings are tried for the survival curves.
GROUPINGS: tuple[Covariate, ...] = ("channel", "product", "segment", "region", "early_tickets")


class SurvivalOptions(_Model):
    """Options of the churn survival analysis (notebook 04)."""

    horizons_months: list[Annotated[int, Field(ge=1, le=240)]] = Field(
        default_factory=lambda: [3, 6, 12, 24], description="Horizonte für Verbleibquoten."
    )
    inactivity_days: Annotated[int, Field(ge=7, le=1095)] = Field(
        180, description="Nicht-vertraglich: so viele Tage ohne Kauf gelten als abgewandert."
    )
    covariates: list[Covariate] = Field(
        default_factory=lambda: list(COVARIATES),
        description="Einflussgrößen des Risikomodells (Cox); fehlende werden übersprungen. "
        "early_tickets = mindestens early_ticket_min Tickets in den ersten "
        "early_ticket_days Tagen.",
    )
    group_by: list[Covariate] = Field(
        default_factory=lambda: list(GROUPINGS),
        description="Gruppen für Verbleibkurven und Log-Rank-Test; gezeigt wird die Kurve der "
        "Gruppierung mit dem deutlichsten Unterschied.",
    )
    early_ticket_days: Annotated[int, Field(ge=7, le=365)] = Field(
        90, description="Zeitraum ab Vertragsbeginn für Frühtickets (Tage)."
    )
    early_ticket_min: Annotated[int, Field(ge=1, le=20)] = Field(
        2, description="So viele Tickets im Frühzeitraum gelten als holpriger Start."
    )
    cox_followup_months: Annotated[int, Field(ge=1, le=240)] | None = Field(
        12,
        description="Risikomodell für Frühkündigungen: Beobachtung je Kunde auf die ersten N "
        "Monate begrenzt (leer: ganze Laufzeit; bei zu wenigen Kündigungen darin automatisch).",
    )
    time_unit: Literal["months", "weeks", "days"] = Field(
        "months", description="Zeiteinheit der Achsen der Verbleibkurven im Bericht."
    )
    signal_covariates: bool = Field(
        True,
        description="Frühwarnsignale (Tabelle signals) als zeitabhängige Einflussgrößen eines "
        "eigenen Risikomodells: je Kundenmonat die Signale der Vormonate.",
    )
    signal_window_months: Annotated[int, Field(ge=1, le=6)] = Field(
        1,
        description="Frühwarnsignale: ein Signal zählt, wenn es in so vielen Monaten vor dem "
        "betrachteten Monat auftrat (1 = nur der Vormonat).",
    )
    risk_horizon_months: Annotated[int, Field(ge=1, le=60)] = Field(
        12,
        description="Rückrufliste: Kündigungswahrscheinlichkeit in den nächsten N Monaten "
        "(innerhalb des Beobachtungszeitraums des Risikomodells).",
    )
    risk_factors: Annotated[int, Field(ge=1, le=5)] = Field(
        3, description="Rückrufliste: so viele wichtigste Risikofaktoren je Kunde."
    )
    calls_per_week: Annotated[int, Field(ge=1, le=100000)] = Field(
        25,
        description="Rückrufliste: so viele Kunden kann das Team je Woche anrufen (Kapazität; "
        "Standard 25: eine Person, etwa eine Stunde am Tag); die Liste ordnet jedem Kunden "
        "eine Anrufwoche zu.",
    )
    call_weeks: Annotated[int, Field(ge=1, le=52)] = Field(
        4,
        description="Rückrufliste: für so viele Wochen (Standard 4, bis zum Prüftermin des "
        "Plans) kommen calls_per_week × call_weeks Kunden mit dem höchsten Risiko zu den "
        "Rückrufen (Kritiker, offene Tickets, Beschwerden) auf die Liste.",
    )


class VoiceOptions(_Model):
    """Options of the comment themes (voice of the customer, KPI section)."""

    codebook: Text | None = Field(
        None,
        description="Eigenes Codebuch der Kommentar-Themen (YAML, relativ zur "
        "Parameterdatei): ergänzt das mitgelieferte um Themen und Begriffe; Aufbau wie "
        "cxlib/voice/data/codebook.yaml.",
    )


class Analysis(_Model):
    """Analysis options; each has a documented default."""

    small_n: Annotated[int, Field(ge=1)] = Field(
        30, description="Unter diesem n: geringe Aussagekraft."
    )
    min_n: Annotated[int, Field(ge=1)] = Field(10, description="Unter diesem n: keine Zahl.")
    data_cutoff: dt.date | None = Field(
        None, description="Stichtag der Daten; sonst das Berichtsdatum."
    )
    observation_start: dt.date | None = Field(
        None,
        description="Beginn des Datenfensters: Kunden, die vorher begonnen haben, gehen "
        "verzögert in die Verbleibanalyse ein (Linkstrunkierung); sonst der früheste Beginn.",
    )
    maturity: MaturityOptions = Field(default_factory=MaturityOptions)
    journey: JourneyOptions = Field(default_factory=JourneyOptions)
    kpi: KpiOptions = Field(default_factory=KpiOptions)
    survival: SurvivalOptions = Field(default_factory=SurvivalOptions)
    voice: VoiceOptions = Field(default_factory=VoiceOptions)


class ClientParameters(_Model):
    """Everything a run needs to know about one client."""

    schema_version: Literal[1] = Field(1, description="Version dieses Schemas.")
    client: Client
    language: Literal["de", "en"] = "de"
    consultant: Text
    report_date: dt.date
    business_model: Literal["contractual", "non_contractual"]
    data: DataFiles = Field(default_factory=DataFiles)
    workshop: Workshop = Field(default_factory=Workshop)
    branding: Branding = Field(default_factory=Branding)
    analysis: Analysis = Field(default_factory=Analysis)

    #: Where the file was read from; data paths are relative to its folder.
    source: Path | None = Field(None, exclude=True, description="(intern)")

    @property
    def base_dir(self) -> Path:
        """The folder that relative paths in this file refer to."""
        return self.source.parent if self.source else Path.cwd()

    @property
    def cutoff(self) -> dt.date:
        """The data cut-off: ``analysis.data_cutoff`` or the report date."""
        return self.analysis.data_cutoff or self.report_date

    def fingerprint(self) -> str:
        """A short hash of everything in these parameters (and the folder they refer to).

        Results kept beside the data (:meth:`cxlib.io.loading.ClientData.remembered`)
        are keyed by it, so that a changed parameter computes them again.
        """
        text = self.model_dump_json() + str(self.base_dir)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def resolve(self, relative: str) -> Path:
        """Resolve a path from the file against the file's folder."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    def data_paths(self) -> dict[str, Path]:
        """Absolute path of every configured data file, by table name."""
        out = {}
        for name in DataFiles.model_fields:
            source = getattr(self.data, name)
            if source is not None:
                out[name] = self.resolve(source.file)
        return out
