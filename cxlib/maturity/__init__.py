"""CX maturity: the questionnaire and action catalogue, the assessment and the maturity section.

The two steps of the section and the assessment alone::

    result = maturity.analyse(params, data)   # MaturityAnalysis: numbers and tables
    section = maturity.section(result, lang)  # the report section in one language
    maturity.assess(answers)                  # the assessment of an answers table alone
"""

from cxlib.maturity.analysis import MaturityAnalysis, analyse
from cxlib.maturity.assessment import MaturityResult, assess
from cxlib.maturity.view import section

__all__ = ["MaturityAnalysis", "MaturityResult", "analyse", "assess", "section"]
