"""The maturity section's facts (:mod:`cxlib.report.facts`): stage, index and respondents.

The maturity index is the self-assessment of everyone the client asked (its
management team), not a sample of a larger population, so it carries no
sampling interval (``census``); n is the number of respondents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.report.facts import Fact, FactSheet

if TYPE_CHECKING:
    from cxlib.maturity.analysis import MaturityAnalysis

__all__ = ["facts"]

#: Stages of the maturity model, the top of the index scale and of an item's answer
#: scale (0 to 4 points): rules of the method.
STAGES, INDEX_TOP, ITEM_TOP = 5, 100, 4


def facts(result: MaturityAnalysis) -> FactSheet:
    """The maturity section's facts."""
    r = result.assessment
    if r is None:
        return FactSheet()
    answers = ("maturity",)
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
    for row in r.items.itertuples(index=False):
        for side in ("low", "high"):
            dept, mean = getattr(row, f"dept_{side}"), getattr(row, f"dept_{side}_mean")
            if isinstance(dept, str) and mean == mean:
                out.append(
                    Fact(
                        f"maturity.item.{row.item}.{dept}",
                        float(mean),
                        "score",
                        "maturity.item_department",
                        no_interval="census",
                        population=dept,
                        sources=answers,
                    )
                )
    return FactSheet(tuple(out))
