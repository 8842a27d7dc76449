"""CX maturity assessment: dimension scores, index, stage, disagreement, typing, fields of action.

The method is CX_METHOD.md, section "Maturity": items are scored 0-4 on
behaviour anchors; a dimension's score is the mean of all its answers (over
items and respondents) / 4 × 100; the index is the weighted mean of the
dimension scores; stages 1-5 have the cut-offs 20/40/60/80 (a value on a
cut-off belongs to the higher stage) and the overall stage is at most the
weakest dimension's stage + 1. An empty score ("weiß nicht") is not a 0: it is
left out, and every score carries the number of answers it rests on.

    result = assess(data.maturity)
    result.index, result.stage, result.dimensions, result.fields_of_action

With a ``wave`` column holding several waves, the headline figures are those of
the latest wave (waves sort by their label, e.g. 2025-Q2 < 2025-Q4) and
``history`` / ``changes`` compare the waves.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.exceptions import CXWarning, DataError, DataProblem
from cxlib.maturity.catalogue import (
    ActionCatalogue,
    CatalogueError,
    Questionnaire,
    load_actions,
    load_questionnaire,
)
from cxlib.parameters.schema import MaturityOptions
from cxlib.texts import t

if TYPE_CHECKING:
    from IPython.display import HTML
    from matplotlib.axes import Axes

__all__ = [
    "CatalogueError",
    "FieldOfAction",
    "MaturityDataError",
    "MaturityResult",
    "SilentRespondentWarning",
    "assess",
    "dimension_scores",
    "questionnaire",
    "stage_of",
]

#: Label used as "file" in problems found by :func:`assess` (the loader names the real file).
SOURCE = "Reifegrad-Antworten"
STAGE_KEYS = ("erkunden", "starten", "mobilisieren", "skalieren", "verankern")
REQUIRED = ("respondent", "department", "item", "score")


class MaturityDataError(DataError):
    """The maturity answers handed to :func:`assess` break the questionnaire's rules."""


class SilentRespondentWarning(CXWarning):
    """A respondent answered no item at all ("weiß nicht" everywhere) and is left out."""


def questionnaire(
    lang: str = "de", source: str | Path | Questionnaire | None = None
) -> pd.DataFrame:
    """The questionnaire's items: item, dimension, dimension_name, text, anchor_0 … anchor_4."""
    return load_questionnaire(source).to_frame(lang)


def stage_of(score: float, cutoffs: tuple[float, ...] | list[float] = (20, 40, 60, 80)) -> int:
    """Stage 1-5 of a 0-100 score; a score exactly on a cut-off belongs to the higher stage.

    Scores are rounded to 9 decimals first, so that 1.6 / 4 × 100 counts as 40.
    """
    return 1 + int(np.sum(round(float(score), 9) >= np.asarray(cutoffs, dtype=float)))


@dataclass(frozen=True)
class FieldOfAction:
    """A weak dimension turned into a field of action (Handlungsfeld)."""

    dimension: str
    score: float
    stage: int
    field: str
    rank: int


def _problem(
    message: str, column: str | None = None, value: object = None, expected: str | None = None
) -> DataProblem:
    shown = None if value is None else str(value)
    return DataProblem(SOURCE, message, column=column, value=shown, expected=expected)


def _validate(answers: pd.DataFrame | None, q: Questionnaire) -> pd.DataFrame:
    """The answers as a clean frame (score float, wave text or None), or MaturityDataError."""
    if answers is None or not isinstance(answers, pd.DataFrame) or answers.empty:
        raise MaturityDataError([_problem("keine Reifegrad-Antworten vorhanden")])
    missing = [c for c in REQUIRED if c not in answers.columns]
    if missing:
        raise MaturityDataError([_problem("Spalte fehlt", column=c) for c in missing])
    frame = pd.DataFrame(
        {c: answers[c].astype("string").str.strip() for c in ("respondent", "department", "item")}
    )
    frame["wave"] = answers["wave"].astype("string") if "wave" in answers else pd.NA
    raw = answers["score"]
    frame["score"] = pd.to_numeric(raw, errors="coerce").astype(float)
    problems: list[DataProblem] = []
    origin = answers.attrs.get("source") or {}
    rows = origin.get("rows")
    if rows is None or len(rows) != len(answers):
        rows = None
    headers = origin.get("headers") or {}

    def at(problem: DataProblem, i: int | np.integer) -> DataProblem:
        """The problem with the file, row and client header of answer ``i`` (if loaded)."""
        if rows is None:
            return problem
        column = headers.get(problem.column, problem.column)
        return replace(problem, file=origin["file"], row=int(rows[i]), column=column)

    def who(i: int | np.integer) -> str:
        wave = frame["wave"].iat[i]
        suffix = f", Welle {wave}" if pd.notna(wave) else ""
        return f"Person {frame['respondent'].iat[i]}, Aussage {frame['item'].iat[i]}{suffix}"

    for column in ("respondent", "department", "item"):
        for i in np.flatnonzero(frame[column].isna() | (frame[column] == "")):
            problems.append(at(_problem(f"leerer Eintrag ({who(i)})", column=column), i))
    known = q.item_dimension
    for i in np.flatnonzero(~frame["item"].isin(list(known)) & frame["item"].notna()):
        problems.append(
            at(
                _problem(
                    f"unbekannte Aussage ({who(i)})",
                    "item",
                    frame["item"].iat[i],
                    "eine Aussage des Fragebogens, z. B. D1.1",
                ),
                i,
            )
        )
    score = frame["score"]
    bad = (raw.notna() & score.isna()) | (score.notna() & ((score % 1 != 0) | ~score.between(0, 4)))
    for i in np.flatnonzero(bad.to_numpy()):
        problem = _problem(f"ungültige Bewertung ({who(i)})", "score", raw.iat[i], "0-4")
        problems.append(at(problem, i))
    if frame["wave"].notna().any() and frame["wave"].isna().any():
        n = int(frame["wave"].isna().sum())
        problems.append(_problem(f"{n} Antworten ohne Welle, andere mit Welle", column="wave"))
    dup = frame.duplicated(["wave", "respondent", "item"], keep="first")
    for i in np.flatnonzero(dup.to_numpy()):
        problems.append(at(_problem(f"doppelte Antwort ({who(i)})", column="item"), i))
    if problems:
        raise MaturityDataError(problems, hint="Bitte die Reifegrad-Datei korrigieren.")
    frame["dimension"] = frame["item"].map(known)
    return frame


@dataclass(frozen=True)
class _Wave:
    """The scores of one wave."""

    dimensions: pd.DataFrame
    departments: pd.DataFrame
    items: pd.DataFrame
    respondents: pd.DataFrame
    index: float
    raw_stage: int
    stage: int
    silent: tuple[str, ...]


def _dimension_points(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Per dimension (in ``order``): mean score in points 0-100 (NaN without a rating),
    number of ratings and of "weiß nicht" answers."""
    points = frame["score"] / 4 * 100
    by_dim = points.groupby(frame["dimension"])
    dims = pd.DataFrame({"score": by_dim.mean(), "n_answers": by_dim.count()}).reindex(order)
    dims["n_answers"] = dims["n_answers"].fillna(0).astype(int)
    dims["n_missing"] = frame["score"].isna().groupby(frame["dimension"]).sum().reindex(order)
    return dims


def dimension_scores(
    answers: pd.DataFrame,
    questionnaire: str | Path | Questionnaire | None = None,
    *,
    options: MaturityOptions | None = None,
) -> pd.DataFrame:
    """The dimension scores that partial answers already allow (for the live workshop view).

    Unlike :func:`assess` this needs no rating in every dimension: a dimension
    without any rating has score NaN. Columns dimension, score (0-100, the same
    points as in :func:`assess`), n_answers, n_missing; the latest wave only.
    Raises :class:`MaturityDataError` for answers that break the questionnaire's rules.
    """
    opts = options or MaturityOptions()
    q = load_questionnaire(questionnaire or opts.questionnaire)
    frame = _validate(answers, q)
    labels = sorted(frame["wave"].dropna().unique())
    if labels:
        frame = frame[frame["wave"] == labels[-1]]
    dims = _dimension_points(frame, [d.id for d in q.dimensions])
    return dims.rename_axis("dimension").reset_index()


def _score(
    frame: pd.DataFrame, q: Questionnaire, weights: dict[str, float], opts: MaturityOptions
) -> _Wave:
    cut = opts.stage_cutoffs
    answered = frame["score"].notna()
    per_person = answered.groupby(frame["respondent"]).sum()
    silent = tuple(sorted(per_person.index[per_person == 0]))
    if silent:
        warnings.warn(
            f"Ohne jede Antwort (nicht gewertet): {', '.join(silent)}",
            SilentRespondentWarning,
            stacklevel=3,
        )
    frame = frame[~frame["respondent"].isin(silent)]
    if not frame["score"].notna().any():
        raise MaturityDataError([_problem("keine einzige Bewertung (nur „weiß nicht“)")])
    order = [d.id for d in q.dimensions]
    points = frame["score"] / 4 * 100
    dims = _dimension_points(frame, order)
    empty = dims.index[dims["score"].isna()]
    if len(empty):
        raise MaturityDataError(
            [_problem(f"Dimension {d} hat keine einzige Bewertung", column="score") for d in empty]
        )
    dims["stage"] = [stage_of(s, cut) for s in dims["score"]]
    dept = points.groupby([frame["department"], frame["dimension"]]).mean().unstack()
    dept = dept.reindex(columns=order)
    spread = dept.max() - dept.min()
    dims["spread"] = spread.where(dept.count() > 1)
    dims["silo"] = dims["spread"] >= opts.silo_points
    dims["weight"] = [weights[d] for d in order]
    index = float(np.average(dims["score"], weights=dims["weight"]))
    raw_stage = stage_of(index, cut)
    stage = min(raw_stage, int(dims["stage"].min()) + 1) if opts.weakest_link_cap else raw_stage
    dims = dims.rename_axis("dimension").reset_index()

    by_item = frame.groupby("item", sort=False)["score"]
    items = pd.DataFrame(
        {
            "mean": by_item.mean(),
            "low": by_item.min(),
            "high": by_item.max(),
            "n_answers": by_item.count(),
            "n_missing": frame["score"].isna().groupby(frame["item"], sort=False).sum(),
        }
    )
    items["range"] = items["high"] - items["low"]
    items["disagreement"] = items["range"] >= opts.disagreement_points
    item_dept = frame.groupby(["item", "department"])["score"].mean().unstack()
    items["dept_low"] = item_dept.idxmin(axis=1, skipna=True)
    items["dept_high"] = item_dept.idxmax(axis=1, skipna=True)
    items["dept_gap"] = item_dept.max(axis=1) - item_dept.min(axis=1)
    items["dept_low_mean"] = item_dept.min(axis=1)
    items["dept_high_mean"] = item_dept.max(axis=1)
    scored = frame[frame["score"].notna()]
    for side in ("low", "high"):
        at = scored[scored["score"].to_numpy() == scored["item"].map(items[side]).to_numpy()]
        names = at.groupby("item")["department"].agg(lambda d: ", ".join(dict.fromkeys(d)))
        items[f"{side}_departments"] = names
    items = items.reindex([i for d in q.dimensions for i in d.items]).dropna(how="all")
    items.insert(0, "dimension", items.index.map(q.item_dimension))
    items = items.rename_axis("item").reset_index()

    person = points.groupby([frame["respondent"], frame["dimension"]]).mean().unstack()
    person = person.reindex(columns=order)
    w = pd.Series(weights).reindex(order)
    filled = person.notna()
    person_index = (person.fillna(0) * w).sum(axis=1) / (filled * w).sum(axis=1)
    respondents = pd.DataFrame(
        {
            "department": frame.groupby("respondent")["department"].first(),
            "index": person_index,
            "n_answers": frame.groupby("respondent")["score"].count(),
        }
    ).rename_axis("respondent")
    respondents["stage"] = [stage_of(s, cut) for s in respondents["index"]]
    return _Wave(dims, dept, items, respondents.reset_index(), index, raw_stage, stage, silent)


@dataclass(frozen=True)
class MaturityResult:
    """The assessment of one client (headline: its latest wave); see :func:`assess`.

    ``dimensions``: dimension, score (0-100), n_answers, n_missing, stage,
    spread (points between the highest and lowest department: the silo index),
    silo (spread ≥ ``silo_points``), weight. ``departments``: department ×
    dimension scores. ``items``: per item mean, low, high, range, disagreement,
    the departments giving the lowest and highest answer (``low_departments``,
    ``high_departments``) and the department means furthest apart (``dept_low``,
    ``dept_high``, ``dept_gap``). ``history``: one row per wave and
    dimension (plus ``index``) with the score; ``changes``: latest minus
    previous wave per dimension (empty with one wave).
    """

    index: float
    stage: int
    raw_stage: int
    capped: bool
    dimensions: pd.DataFrame = field(repr=False)
    departments: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)
    respondents: pd.DataFrame = field(repr=False)
    profile: str
    profile_scores: dict[str, float]
    fields_of_action: tuple[FieldOfAction, ...]
    wave: str | None
    waves: tuple[str, ...]
    history: pd.DataFrame = field(repr=False)
    changes: pd.DataFrame = field(repr=False)
    silent_respondents: tuple[str, ...]
    questionnaire: Questionnaire = field(repr=False)
    actions: ActionCatalogue = field(repr=False)
    options: MaturityOptions = field(repr=False)

    @property
    def stage_name(self) -> str:
        """The stage's German name (Erkunden … Verankern); see :meth:`stage_label`."""
        return self.stage_label("de")

    def stage_label(self, lang: str = "de", stage: int | None = None) -> str:
        """The name of ``stage`` (default: the overall stage) in ``lang``."""
        return t(f"maturity.stages.{STAGE_KEYS[(stage or self.stage) - 1]}.name", lang)

    def dimension_name(self, dimension: str, lang: str = "de") -> str:
        """A dimension's name in ``lang``."""
        return self.questionnaire.dimension(dimension).name(lang)

    @property
    def n_respondents(self) -> int:
        """Respondents with at least one answer in the headline wave."""
        return len(self.respondents)

    @property
    def disagreements(self) -> pd.DataFrame:
        """Items whose answers lie ``disagreement_points`` or more apart, widest first."""
        flagged = self.items[self.items["disagreement"]]
        return flagged.sort_values(["range", "dept_gap"], ascending=False, kind="stable")

    @property
    def weakest(self) -> str:
        """The weakest dimension (lowest score; ties by questionnaire order)."""
        return str(self.dimensions.sort_values("score", kind="stable")["dimension"].iat[0])

    def to_frame(self) -> pd.DataFrame:
        """Tidy numbers: the dimension table plus one ``index`` row."""
        frame = self.dimensions[["dimension", "score", "stage", "spread", "n_answers"]].copy()
        total = {"dimension": "index", "score": self.index, "stage": self.stage}
        total["n_answers"] = int(frame["n_answers"].sum())
        return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)

    def fields_frame(self, lang: str = "de") -> pd.DataFrame:
        """The fields of action with seed field and Now / Next / Later steps in ``lang``."""
        rows = []
        for f in self.fields_of_action:
            steps = self.actions.steps(f.dimension, f.stage, lang)
            rows.append(
                {
                    "rank": f.rank,
                    "dimension": f.dimension,
                    "name": self.dimension_name(f.dimension, lang),
                    "score": f.score,
                    "stage": f.stage,
                    "field": self.actions.fields[f.field][lang],
                    **steps,
                }
            )
        return pd.DataFrame(rows)

    def summary(self, lang: str = "de") -> HTML:
        """The dimension table to display (score, stage, spread, answers) in ``lang``."""
        from cxlib.report import blocks as display

        frame = self.dimensions
        table = pd.DataFrame(
            {
                t("maturity.col.dimension", lang): [
                    self.dimension_name(d, lang) for d in frame["dimension"]
                ],
                t("maturity.col.score", lang): frame["score"],
                t("maturity.col.stage", lang): [
                    f"{s}\u00a0{self.stage_label(lang, s)}" for s in frame["stage"]
                ],
                t("maturity.col.spread", lang): frame["spread"],
                t("maturity.col.answers", lang): frame["n_answers"],
            }
        )
        return display.table(table, lang, decimals=0)

    def plot(self, ax: Axes | None = None, lang: str = "de") -> Axes:
        """Radar chart of the dimension scores against the reference profile; returns the Axes."""
        from cxlib.maturity.plots import radar

        return radar(self, ax=ax, lang=lang)


def _weights(
    q: Questionnaire, weights: dict[str, float] | None, opts: MaturityOptions
) -> dict[str, float]:
    out = q.weights
    for source in (opts.weights, weights):
        for key, value in (source or {}).items():
            if key not in out:
                raise MaturityDataError(
                    [_problem("Gewicht für unbekannte Dimension", "weights", key, ", ".join(out))]
                )
            if not np.isfinite(value) or value < 0:
                raise MaturityDataError([_problem("Gewicht muss ≥ 0 sein", "weights", value)])
            out[key] = float(value)
    if sum(out.values()) <= 0:
        raise MaturityDataError([_problem("alle Gewichte sind 0", "weights")])
    return out


def _profile(dims: pd.DataFrame, q: Questionnaire) -> tuple[str, dict[str, float]]:
    score = dims.set_index("dimension")["score"]
    means = {group: float(score[list(members)].mean()) for group, members in q.typing.items()}
    kind = "einsteiger" if means["einsteiger"] <= means["fortgeschritten"] else "fortgeschritten"
    return kind, means


def assess(
    answers: pd.DataFrame,
    questionnaire: str | Path | Questionnaire | None = None,
    weights: dict[str, float] | None = None,
    *,
    options: MaturityOptions | None = None,
) -> MaturityResult:
    """Assess a client's CX maturity from the canonical answers table.

    ``answers`` has the columns respondent, department, item, score (0-4,
    empty = "weiß nicht") and optionally wave. ``questionnaire`` is the
    questionnaire (default: the packaged one); ``weights`` overrides dimension
    weights (``{"D1": 2}``) on top of ``options.weights``. Raises
    :class:`MaturityDataError` naming respondent, item and value for unknown
    items, scores outside 0-4, duplicates and empty ids; a respondent without
    any answer is left out with a :class:`SilentRespondentWarning`.
    """
    opts = options or MaturityOptions()
    q = load_questionnaire(questionnaire or opts.questionnaire)
    frame = _validate(answers, q)
    w = _weights(q, weights, opts)
    labels = sorted(frame["wave"].dropna().unique()) or [None]
    scored = {}
    for label in labels:
        part = frame if label is None else frame[frame["wave"] == label]
        scored[label] = _score(part, q, w, opts)
    latest = scored[labels[-1]]
    history = pd.concat(
        [
            pd.concat(
                [
                    s.dimensions[["dimension", "score"]],
                    pd.DataFrame({"dimension": ["index"], "score": [s.index]}),
                ]
            ).assign(wave=label, stage=[*s.dimensions["stage"], s.stage], raw_stage=s.raw_stage)
            for label, s in scored.items()
        ],
        ignore_index=True,
    )
    changes = pd.DataFrame(columns=["dimension", "before", "after", "change"])
    if len(labels) > 1:
        before = history[history["wave"] == labels[-2]].set_index("dimension")["score"]
        after = history[history["wave"] == labels[-1]].set_index("dimension")["score"]
        changes = pd.DataFrame({"before": before, "after": after, "change": after - before})
        changes = changes.rename_axis("dimension").reset_index()
    dims = latest.dimensions
    profile, means = _profile(dims, q)
    weakest = dims.sort_values("score", kind="stable").head(opts.fields_of_action)
    fields = tuple(
        FieldOfAction(
            r.dimension, float(r.score), int(r.stage), q.dimension(r.dimension).field, rank
        )
        for rank, r in enumerate(weakest.itertuples(), start=1)
    )
    return MaturityResult(
        index=latest.index,
        stage=latest.stage,
        raw_stage=latest.raw_stage,
        capped=latest.stage < latest.raw_stage,
        dimensions=dims,
        departments=latest.departments,
        items=latest.items,
        respondents=latest.respondents,
        profile=profile,
        profile_scores=means,
        fields_of_action=fields,
        wave=labels[-1],
        waves=tuple(x for x in labels if x is not None),
        history=history,
        changes=changes,
        silent_respondents=latest.silent,
        questionnaire=q,
        actions=load_actions(q),
        options=opts,
    )
