"""Journey selection (seed 003): the selection rule, evidence per phase, the 1-3-3 action plan, the
symptom checklist and the journey section.

The two steps of the section::

    result = journeys.analyse(params, data)   # JourneyAnalysis: numbers and tables
    section = journeys.section(result, lang)  # the report section in one language
"""

from cxlib.journeys.analysis import JourneyAnalysis, analyse
from cxlib.journeys.view import section

__all__ = ["JourneyAnalysis", "analyse", "section"]
