"""Fisher's exact test of a 2×2 table, two-sided, without importing scipy.stats.

The comment themes test detractors against promoters with Fisher's exact test
(:func:`cxlib.voice.themes.comment_themes`). ``scipy.stats.fisher_exact``
would do, but importing ``scipy.stats`` costs about 0.5 s in every process
that codes comments (``cxwb`` for the testing family and a kernel), more than
all the tests themselves. This is the same test from the hypergeometric
probabilities (``scipy.special.gammaln``, imported anyway):

    P(X = x) = C(a+b, x) · C(c+d, (a+c) − x) / C(n, a+c)

for the table ``[[a, b], [c, d]]`` with fixed margins, and the two-sided
p-value is the sum of the probabilities of all tables with the same margins
that are no more likely than the one observed (the definition of
``scipy.stats.fisher_exact`` and of R's ``fisher.test``). Probabilities equal
within a relative 10⁻⁷ count as equal (R's tolerance; symmetric tables have
exact ties that rounding would otherwise break). tests/test_fisher_exact.py
compares it with scipy.stats.
"""

from __future__ import annotations

import numpy as np

#: Tables whose probabilities differ by less than this relative amount are equally likely.
RELATIVE_TIES = 1e-7


def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test for the table ``[[a, b], [c, d]]``.

    1.0 when a row or a column is empty (no table but the observed one is possible).
    """
    from scipy.special import gammaln

    if min(a, b, c, d) < 0:
        raise ValueError(f"counts must not be negative: {[[a, b], [c, d]]}")
    row1, row2, col1 = a + b, c + d, a + c
    if 0 in (row1, row2, col1, b + d):
        return 1.0
    low, high = max(0, col1 - row2), min(row1, col1)
    x = np.arange(low, high + 1, dtype=float)
    n = row1 + row2
    log_pmf = (
        gammaln(row1 + 1)
        - gammaln(x + 1)
        - gammaln(row1 - x + 1)
        + gammaln(row2 + 1)
        - gammaln(col1 - x + 1)
        - gammaln(row2 - col1 + x + 1)
        - (gammaln(n + 1) - gammaln(col1 + 1) - gammaln(n - col1 + 1))
    )
    pmf = np.exp(log_pmf)
    observed = pmf[a - low]
    p = float(pmf[pmf <= observed * (1 + RELATIVE_TIES)].sum())
    return min(p, 1.0)
