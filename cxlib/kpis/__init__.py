"""KPI baselines: survey KPIs (NPS, CSAT, CES) with honest intervals, retention, economics,
drivers, early-warning counts and the KPI section.

The section contract (:mod:`cxlib.report.section`)::

    result = kpis.analyse(params, data)   # a Baseline: numbers and tables
    section = kpis.section(result, lang)  # the report section "kpi"

``kpis.baseline`` is the same function as ``kpis.analyse`` (its older name).
"""

from cxlib.kpis.analysis import Baseline, analyse
from cxlib.kpis.analysis import baseline as baseline
from cxlib.kpis.survey import ces, csat, nps
from cxlib.kpis.view import section

__all__ = ["Baseline", "analyse", "baseline", "ces", "csat", "nps", "section"]
