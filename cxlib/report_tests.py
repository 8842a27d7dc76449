"""The report's testing family of one client, computed once for all its sections.

The KPI section's survey comparisons and comment themes (detractors against
promoters) and the churn section's log-rank, Cox and signal tests are judged
together (:mod:`cxlib.report.testing`). Their raw
p-values come from the analyses themselves, so :func:`report_tests` runs the
parts of the two analyses that have tests, collects their hypotheses and
adjusts them in one family. ``cxwb run`` calls it once, while the notebooks
start, and hands the family to every notebook (``wb.tests``, see
:mod:`cxlib.runner.handoff`); in JupyterLab the workbook calls it on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.kpis.analysis import comment_themes_of, survey_comparisons
from cxlib.kpis.comparisons import hypotheses
from cxlib.report.testing import Hypothesis, TestFamily
from cxlib.survival.analysis import hypotheses as churn_hypotheses

if TYPE_CHECKING:
    from cxlib.io.loading import ClientData
    from cxlib.parameters.schema import ClientParameters

__all__ = ["report_hypotheses", "report_tests"]


def report_hypotheses(params: ClientParameters, data: ClientData) -> tuple[Hypothesis, ...]:
    """Every test of the client's report (survey comparisons, comment themes, churn), unadjusted."""
    survey = data.get("survey")
    found = list(hypotheses(survey_comparisons(params, survey)))
    themes = comment_themes_of(params, data)
    if themes is not None:
        found += themes.hypotheses()
    found += churn_hypotheses(params, data)
    return tuple(found)


def report_tests(params: ClientParameters, data: ClientData) -> TestFamily:
    """The client's report-wide testing family (Holm over all its tests)."""
    return TestFamily.of(report_hypotheses(params, data))
