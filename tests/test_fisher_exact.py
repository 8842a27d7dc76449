"""Fisher's exact test without scipy.stats: a hand-worked table, and scipy.stats on many tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import fisher_exact

from cxlib.voice.fisher_exact import fisher_exact_p


def test_hand_worked_table():
    # [[3, 1], [1, 3]]: margins 4, 4, 4, 4; P(x) = C(4,x) C(4,4-x) / C(8,4) = 1, 16, 36, 16, 1 / 70.
    # x = 3 has 16/70; tables no more likely: x = 0, 1, 3, 4 -> (1 + 16 + 16 + 1) / 70
    assert fisher_exact_p(3, 1, 1, 3) == pytest.approx(34 / 70, rel=1e-12)
    # Fisher's tea tasting: [[3, 1], [1, 3]] as above; the one-sided counterpart [[4, 0], [0, 4]]
    # is the least likely table: two-sided 2/70
    assert fisher_exact_p(4, 0, 0, 4) == pytest.approx(2 / 70, rel=1e-12)
    # a symmetric table is the most likely one: p = 1
    assert fisher_exact_p(5, 5, 5, 5) == 1.0


def test_an_empty_row_or_column_gives_one():
    assert fisher_exact_p(0, 0, 3, 4) == 1.0
    assert fisher_exact_p(0, 5, 0, 7) == 1.0
    with pytest.raises(ValueError):
        fisher_exact_p(-1, 2, 3, 4)


def _tables():
    rng = np.random.default_rng(19)
    for _ in range(400):
        n_d, n_p = (int(v) for v in rng.integers(1, 300, size=2))
        k_d, k_p = int(rng.integers(0, n_d + 1)), int(rng.integers(0, n_p + 1))
        yield k_d, n_d - k_d, k_p, n_p - k_p
    for n in range(1, 15):  # exact ties of symmetric tables
        for k in range(n + 1):
            yield k, n - k, n - k, k
    yield 1200, 48800, 900, 49100  # a big survey


def test_same_p_values_as_scipy_stats():
    for a, b, c, d in _tables():
        expected = float(fisher_exact([[a, b], [c, d]]).pvalue)
        got = fisher_exact_p(a, b, c, d)
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-300), (a, b, c, d)
