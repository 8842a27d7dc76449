"""KPI baselines: survey KPIs (NPS, CSAT, CES) with honest intervals, retention, economics,
drivers, early-warning counts and the KPI section.
"""

from cxlib.kpis.analysis import Baseline
from cxlib.kpis.analysis import baseline as baseline
from cxlib.kpis.survey import ces, csat, nps

__all__ = ["Baseline", "baseline", "ces", "csat", "nps"]
