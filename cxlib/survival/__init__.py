"""How long customers stay: the survival table, Kaplan-Meier and log-rank, the Cox model, competing
risks, early-warning signals, churn drivers and the churn section.

The section contract (:mod:`cxlib.report.section`)::

    result = survival.analyse(params, data)   # numbers, no words
    section = survival.section(result, lang)  # the churn section in one language

Note that ``cxlib.survival.view`` is the function here; the module is
:mod:`cxlib.survival.view` (import from it, as everywhere inside cxlib).
"""

from cxlib.survival.analysis import analyse
from cxlib.survival.curves import kaplan_meier, logrank
from cxlib.survival.view import section

__all__ = ["analyse", "kaplan_meier", "logrank", "section"]
