"""CX maturity: the questionnaire and action catalogue, the assessment and the maturity section."""

from cxlib.maturity.assessment import MaturityResult, assess

__all__ = ["MaturityResult", "assess"]
