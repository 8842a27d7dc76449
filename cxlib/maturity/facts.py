"""The maturity section's facts (:mod:`cxlib.report.facts`): stage, index and respondents.

The maturity index is the self-assessment of everyone the client asked (its
management team), not a sample of a larger population, so it carries no
sampling interval (``census``); n is the number of respondents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.maturity.plots import reference_level
from cxlib.report.facts import Fact, FactSheet, Unit

if TYPE_CHECKING:
    from cxlib.maturity.analysis import MaturityAnalysis
    from cxlib.maturity.assessment import MaturityResult

__all__ = ["facts"]

#: Stages of the maturity model, the top of the index scale and of an item's answer
#: scale (0 to 4 points): rules of the method.
STAGES, INDEX_TOP, ITEM_TOP = 5, 100, 4
#: Firms in the seed's survey of German-speaking SMEs (published, quoted as context).
SEED_SURVEY_FIRMS = 1000
#: The table every maturity figure comes from.
ANSWERS = ("maturity",)


def facts(result: MaturityAnalysis) -> FactSheet:
    """The maturity section's facts."""
    r = result.assessment
    if r is None:
        return FactSheet()
    answers = ANSWERS
    out = [
        Fact(
            "maturity.stage",
            r.stage,
            "stage",
            "maturity.stage",
            n=r.n_respondents,
            no_interval="census",
            sources=answers,
        ),
        Fact(
            "maturity.index",
            r.index,
            "score",
            "maturity.index",
            n=r.n_respondents,
            no_interval="census",
            sources=answers,
        ),
        Fact("rule.maturity.stages", STAGES, "stage", "rule.maturity_stages", no_interval="rule"),
        Fact(
            "rule.maturity.index_top",
            INDEX_TOP,
            "score",
            "rule.maturity_index_top",
            no_interval="rule",
        ),
        Fact(
            "rule.maturity.item_top",
            ITEM_TOP,
            "score",
            "rule.maturity_item_top",
            no_interval="rule",
        ),
    ]
    out += _dimension_facts(r)
    out += _department_facts(r)
    out += _item_facts(r)
    out += _basis_facts(r)
    out += result.overview.facts()
    return FactSheet(tuple(out))


def _census(
    fact_id: str,
    value: float,
    unit: Unit,
    definition: str,
    n: int | None = None,
    population: str = "",
) -> Fact:
    """A figure of the self-assessment: everyone asked answered, no sampling interval."""
    return Fact(
        fact_id,
        value,
        unit,
        definition,
        n=n,
        no_interval="census",
        population=population,
        sources=ANSWERS,
    )


def _dimension_facts(r: MaturityResult) -> list[Fact]:
    """Score, stage, department spread, answers and change since the last wave per dimension."""
    out = [
        Fact(
            "maturity.dimensions",
            len(r.dimensions),
            "count",
            "maturity.dimensions",
            no_interval="count",
        )
    ]
    change = r.changes.set_index("dimension") if not r.changes.empty else None
    for row in r.dimensions.itertuples(index=False):
        d, n = str(row.dimension), int(row.n_answers)
        out += [
            _census(
                f"maturity.dimension.{d}.score",
                float(row.score),
                "score",
                "maturity.dimension_score",
                n=n,
            ),
            _census(
                f"maturity.dimension.{d}.stage",
                int(row.stage),
                "stage",
                "maturity.dimension_stage",
                n=n,
            ),
            Fact(
                f"maturity.dimension.{d}.answers",
                n,
                "count",
                "maturity.dimension_answers",
                no_interval="count",
            ),
        ]
        if row.spread == row.spread:
            out.append(
                _census(
                    f"maturity.dimension.{d}.spread",
                    float(row.spread),
                    "points",
                    "maturity.dimension_spread",
                )
            )
    if change is not None:
        for d, row in change.iterrows():
            out += [
                Fact(
                    f"maturity.change.{d}",
                    float(row["change"]),
                    "points",
                    "maturity.change",
                    no_interval="derived",
                    sources=ANSWERS,
                ),
                _census(
                    f"maturity.before.{d}",
                    float(row["before"]),
                    "score",
                    "maturity.before",
                    population=r.waves[-2],
                ),
            ]
    return out


def _department_facts(r: MaturityResult) -> list[Fact]:
    """Each department's score per dimension (the heat table)."""
    out = []
    for department, scores in r.departments.iterrows():
        for d, value in scores.items():
            if value == value:
                out.append(
                    _census(
                        f"maturity.department.{department}.{d}",
                        float(value),
                        "score",
                        "maturity.department_score",
                        population=str(department),
                    )
                )
    return out


def _item_facts(r: MaturityResult) -> list[Fact]:
    """Per item the lowest and highest answer and the department means furthest apart."""
    out = [
        Fact("maturity.items", len(r.items), "count", "maturity.items", no_interval="count"),
        Fact(
            "maturity.disagreements",
            len(r.disagreements),
            "count",
            "maturity.disagreements",
            no_interval="count",
        ),
        Fact(
            "rule.maturity.disagreement_points",
            r.options.disagreement_points,
            "points",
            "rule.maturity_disagreement",
            no_interval="rule",
        ),
    ]
    for row in r.items.itertuples(index=False):
        for side in ("low", "high"):
            answer = getattr(row, side)
            if answer == answer:
                out.append(
                    _census(
                        f"maturity.answer.{row.item}.{side}",
                        float(answer),
                        "score",
                        f"maturity.answer_{side}",
                    )
                )
            dept, mean = getattr(row, f"dept_{side}"), getattr(row, f"dept_{side}_mean")
            if isinstance(dept, str) and mean == mean:
                out.append(
                    _census(
                        f"maturity.item.{row.item}.{dept}",
                        float(mean),
                        "score",
                        "maturity.item_department",
                        population=dept,
                    )
                )
    return out


def _basis_facts(r: MaturityResult) -> list[Fact]:
    """Who answered, what is missing, the profile scores, the stage thresholds."""
    top = int((r.respondents["stage"] == STAGES).sum())
    _, level = reference_level(r)
    profile = r.profile_scores
    out = [
        Fact(
            "maturity.respondents",
            r.n_respondents,
            "count",
            "maturity.respondents",
            no_interval="count",
        ),
        Fact(
            "maturity.departments",
            int(r.respondents["department"].nunique()),
            "count",
            "maturity.departments",
            no_interval="count",
        ),
        Fact(
            "maturity.dont_know",
            int(r.dimensions["n_missing"].sum()),
            "count",
            "maturity.dont_know",
            no_interval="count",
        ),
        Fact(
            "maturity.below_next_stage",
            int((r.dimensions["score"] < level).sum()),
            "count",
            "maturity.below_next_stage",
            no_interval="count",
        ),
        Fact(
            "maturity.top_stage_respondents",
            top,
            "count",
            "maturity.top_stage_respondents",
            no_interval="count",
        ),
        Fact(
            "seed.kmu_survey.firms",
            SEED_SURVEY_FIRMS,
            "count",
            "seed.kmu_survey_firms",
            no_interval="published",
        ),
        Fact(
            "maturity.profile.gap",
            abs(profile["einsteiger"] - profile["fortgeschritten"]),
            "points",
            "maturity.profile_gap",
            no_interval="derived",
            sources=ANSWERS,
        ),
    ]
    out += [
        _census(f"maturity.profile.{name}", float(score), "score", f"maturity.profile_{name}")
        for name, score in profile.items()
    ]
    out += [
        Fact(
            f"rule.maturity.threshold.{stage}",
            float(cut),
            "score",
            "rule.maturity_threshold",
            no_interval="rule",
        )
        for stage, cut in enumerate(r.options.stage_cutoffs, start=2)
    ]
    return out
