"""Errors of the survival analysis that the user can fix, in plain German."""

from __future__ import annotations

from cxlib.exceptions import CXError


class SurvivalError(CXError):
    """The data do not allow a survival analysis as asked (say what to fix)."""


class NoCustomersError(SurvivalError):
    """No customers table (or an empty one): nothing to analyse yet."""


class NoEventsError(SurvivalError):
    """Not a single churn in the data: no curve or model can be estimated."""


class AllEventsError(SurvivalError):
    """Every customer has churned: nothing is censored, check the export."""


class DurationError(SurvivalError):
    """Negative or zero customer lifetimes, or an end before the start."""


class CovariateError(SurvivalError):
    """A covariate cannot enter the Cox model (one value, separation, no convergence)."""
