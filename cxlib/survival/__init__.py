"""How long customers stay: the survival table, Kaplan-Meier and log-rank, the Cox model, competing
risks, early-warning signals, churn drivers and the churn section.
"""

from cxlib.survival.curves import kaplan_meier, logrank

__all__ = ["kaplan_meier", "logrank"]
