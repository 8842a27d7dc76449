"""Probabilistic customer-base models ("buy till you die") and contract retention.

For customers without contracts: :func:`bgnbd` (BG/NBD, Fader, Hardie & Lee
2005) and :func:`pareto_nbd` (Pareto/NBD, Schmittlein et al. 1987) for
whether and how often a customer buys, :func:`gamma_gamma` for how much.
For contracts renewed per period: :func:`sbg` (shifted-beta-geometric,
Fader & Hardie 2007). Each fits by maximum likelihood and returns a frozen
fitted object with ``.params`` (the literature's names), ``.loglik``,
``.intervals()`` (observed information) and its predictions. The time unit
is that of the inputs. :func:`customer_base` gives the KPI section's
figures for a client without contracts.
"""

from cxlib.clv.bgnbd import BgNbd, bgnbd
from cxlib.clv.customer_base import CustomerBase, customer_base
from cxlib.clv.gamma_gamma import GammaGamma, gamma_gamma
from cxlib.clv.histories import histories
from cxlib.clv.pareto_nbd import ParetoNbd, pareto_nbd
from cxlib.clv.sbg import Sbg, sbg

__all__ = [
    "BgNbd",
    "CustomerBase",
    "GammaGamma",
    "ParetoNbd",
    "Sbg",
    "bgnbd",
    "customer_base",
    "gamma_gamma",
    "histories",
    "pareto_nbd",
    "sbg",
]
