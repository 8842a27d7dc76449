"""Projected retention for clients with contracts (issue 15 item 1): the sBG model fitted to
individual customers (censoring, late entry), beside the Kaplan-Meier curve, as facts.

Checked against the published estimates of Fader & Hardie (2007, "How to project customer
retention", years 1-7: high end α = 0.668, β = 3.806; regular α = 0.704, β = 1.182), a
likelihood worked by hand, and the Kaplan-Meier curve of the Stadtwerke demo.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxlib.clv.sbg import _lifetime_loglik, sbg_lifetimes
from cxlib.survival.analysis import SurvivalReport, analyse
from cxlib.survival.facts import facts
from cxlib.survival.projection import HORIZONS
from cxlib.survival.table import DAYS_PER_MONTH
from cxlib.survival.view import section
from cxlib.texts import wording

from .demo_clients import demo_client
from .test_clv import HIGH_END, REGULAR


def _lifetimes(counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """One cohort's counts as customers: churned in period t, or active after the last."""
    c = np.asarray(counts)
    lost = c[:-1] - c[1:]
    periods = np.r_[np.repeat(np.arange(1, len(c)), lost), np.full(c[-1], len(c) - 1)]
    churned = np.r_[np.ones(lost.sum(), dtype=bool), np.zeros(c[-1], dtype=bool)]
    return periods, churned


@pytest.mark.parametrize(
    ("counts", "alpha", "beta"), [(HIGH_END, 0.668, 3.806), (REGULAR, 0.704, 1.182)]
)
def test_individual_customers_give_the_published_estimates(counts, alpha, beta) -> None:
    model = sbg_lifetimes(*_lifetimes(counts))
    assert model.alpha == pytest.approx(alpha, rel=5e-3)
    assert model.beta == pytest.approx(beta, rel=5e-3)


def test_likelihood_with_censoring_and_late_entry_by_hand() -> None:
    """α = 1, β = 2: S(t) = 2 / (2 + t), P(T = t) = 2 / ((1 + t)(2 + t)).

    Churned in period 1 (1/3), active after 2 periods (1/2), entered after 1 period and
    churned in period 3 (P(3) / S(1) = (1/10) / (2/3) = 3/20).
    """
    churned = (np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    censored = (np.array([2.0]), np.array([1.0]))
    entered = (np.array([1.0]), np.array([1.0]))
    value = _lifetime_loglik(np.log([1.0, 2.0]), churned, censored, entered)
    assert value == pytest.approx(math.log(1 / 3) + math.log(1 / 2) + math.log(3 / 20))


def test_late_entry_is_not_churn_that_was_never_seen() -> None:
    """A cohort that follows the model exactly (α = 0.704, β = 1.182, 100,000 customers;
    S(t) = B(α, β + t) / B(α, β)), seen only from period 3 on: conditioning on survival
    to entry recovers α and β; without it the curve would look far better."""
    from scipy.special import betaln

    alpha, beta = 0.704, 1.182
    t = np.arange(8)
    counts = np.round(100_000 * np.exp(betaln(alpha, beta + t) - betaln(alpha, beta)))
    periods, churned = _lifetimes([int(c) for c in counts])
    seen = periods > 2  # the customers still there at the start of period 3
    late = sbg_lifetimes(periods[seen], churned[seen], np.full(seen.sum(), 2.0))
    assert late.alpha == pytest.approx(alpha, rel=0.03)
    assert late.beta == pytest.approx(beta, rel=0.03)
    naive = sbg_lifetimes(periods[seen], churned[seen])
    assert naive.survival(7) - late.survival(7) > 0.2


@pytest.fixture(scope="module")
def stadtwerke() -> SurvivalReport:
    result = analyse(*demo_client("stadtwerke-lindenau"))
    assert isinstance(result, SurvivalReport)
    return result


def test_the_projection_follows_the_kaplan_meier_curve_where_observed(stadtwerke) -> None:
    p = stadtwerke.projection
    assert p is not None and p.churns == stadtwerke.data.n_events and p.n == stadtwerke.data.n
    assert HORIZONS == (60, 120)
    for months in (12, 24, 36, 60):
        observed = stadtwerke.overall.survival_at(months * DAYS_PER_MONTH)
        value, low, high = p.at(months)
        assert value == pytest.approx(observed, abs=0.04), months
        assert low < value < high
    # beyond the observed range it goes on falling, and its band widens
    s = p.curve.set_index("month")
    last = int(s.index.max())  # twice the observed range, at least 10 and at most 30 years
    assert 2 * p.observed_months <= last <= 360 and last >= 120
    assert s.loc[last, "survival"] < s.loc[120, "survival"]
    assert s.loc[last, "high"] - s.loc[last, "low"] > s.loc[12, "high"] - s.loc[12, "low"]


def test_projection_facts_and_reading(stadtwerke) -> None:
    sheet = {f.id: f for f in facts(stadtwerke).facts}
    for key in ("retained.60", "retained.120", "year_churn.1", "year_churn.5", "alpha", "beta"):
        fact = sheet[f"survival.sbg.{key}"]
        assert fact.low is not None and fact.low <= fact.value <= fact.high
    assert sheet["survival.sbg.retained.60"].value == pytest.approx(
        float(stadtwerke.projection.model.survival(60))  # type: ignore[union-attr]
    )
    assert "rule.years.5" in sheet and "rule.years.10" in sheet
    shown = section(stadtwerke, "de").show("curve")
    text = " ".join(str(getattr(x, "data", x)) for x in shown)
    assert "sBG-Modell" in text and "Nach dem Modell sind nach 5 Jahren noch" in text
    assert "projection_sbg" in stadtwerke.figures()


def test_berger_is_warned_and_the_cafe_has_no_projection() -> None:
    berger = analyse(*demo_client("berger-haustechnik"))
    assert isinstance(berger, SurvivalReport) and berger.projection is not None
    text = " ".join(str(getattr(x, "data", x)) for x in section(berger, "de").show("curve"))
    assert f"nur {berger.data.n_events} Kündigungen" in text
    params, data = demo_client("cafe-bohnenglueck")
    cafe = analyse(params, data)
    assert isinstance(cafe, SurvivalReport) and cafe.projection is None
    lang = wording("de", params.business_model)
    text = " ".join(str(getattr(x, "data", x)) for x in section(cafe, lang).show("curve"))
    assert "sBG" not in text
