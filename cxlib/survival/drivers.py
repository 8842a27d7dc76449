"""The most important churn drivers, linked to the journey phases and early-warning signals.

Candidates are the findings (:mod:`cxlib.survival.claims`: Holm-adjusted
p < 0.05 in the family of all the churn section's tests, a hazard ratio
outside 0.8-1.25 and at least 10 churns in each compared group) among the
hazard ratios of the main Cox model (customer attributes, a bumpy start) and
of the time-varying model of the early-warning signals
(:mod:`cxlib.survival.signal_model`).

Importance (a choice, documented): the share of churns attributable to the
driver, Miettinen's formula with the share of churners exposed, which stays
valid with an adjusted hazard ratio (Rockhill et al. 1998):

    AF = p_c · (1 − 1/HR)

computed with the *lower* bound of the 95 % interval of HR (``attributable_low``):
a driver ranks high only if it is common among churners *and* its effect is
secured, so a big but uncertain hazard ratio does not come first. The point
value (``attributable``) and the value with the upper bound
(``attributable_high``) are kept beside it; where two drivers' ranges
``attributable_low``-``attributable_high`` overlap, their order is not secured
and the section says they are of similar size (:meth:`ChurnDrivers.similar`).
The first driver is the headline driver of the key message and the summary:
a rule fixed in advance, never the smallest p-value among many.

Each driver is read from its risk side: a category level with a lower risk
than the reference turns round (the reference level is the driver, compared
with that level). Of several levels of one covariate the comparison with the
largest comparison group counts (one driver per covariate); every sentence,
table row and summary statement about the covariate uses this one comparison
and names its group. Shares refer to
the model's own population: customers in the main model's follow-up window,
customer-months in the signal model.

Each driver is linked to the journey phase it belongs to
(:data:`COVARIATE_PHASES`, the method's standard phase names; segment,
tariff and region belong to none), to the candidate journey that contains
that phase (the chosen one first) and to the early-warning signal that
catches it early (:data:`COVARIATE_SIGNALS`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from cxlib.survival.claims import Claims, Kind, assess

if TYPE_CHECKING:
    from cxlib.parameters.schema import Workshop
    from cxlib.survival.cox import CoxModel, Design
    from cxlib.survival.signal_model import SignalModel

__all__ = ["COVARIATE_PHASES", "COVARIATE_SIGNALS", "ChurnDrivers", "Driver", "rank_drivers"]

#: Journey phase of a covariate or signal (standard phase names of the method).
COVARIATE_PHASES: dict[str, str] = {
    "early_tickets": "Onboarding",
    "channel": "Kauf/Abschluss",
    "usage_drop": "Nutzung",
    "silent": "Nutzung",
    "repeated_tickets": "Service/Problemfall",
    "frequent_queries": "Service/Problemfall",
    "slow_payment": "Verlängerung/Rechnung",
}
#: The early-warning signal that catches a driver early (signals catch themselves).
COVARIATE_SIGNALS: dict[str, str] = {
    "early_tickets": "repeated_tickets",
    "usage_drop": "usage_drop",
    "silent": "silent",
    "repeated_tickets": "repeated_tickets",
    "frequent_queries": "frequent_queries",
    "slow_payment": "slow_payment",
}


@dataclass(frozen=True)
class Driver:
    """One secured churn driver, read from its risk side.

    ``column`` is the model column (e.g. ``"channel: Website"``); ``risk_level``
    the level on the risk side when a category was turned round (else None),
    ``comparison`` the level it is compared with (categories only). ``hr``,
    ``low``, ``high`` are oriented to the risk side (≥ 1).
    """

    covariate: str
    column: str
    source: Literal["model", "signals"]
    hr: float
    low: float
    high: float
    p: float
    p_adjusted: float
    turned: bool
    risk_level: str | None
    comparison: str | None
    share_exposed: float
    share_churners: float
    attributable: float
    attributable_low: float
    attributable_high: float
    unit: Literal["customers", "months"]
    phase: str | None = None
    journey: str | None = None
    chosen: bool = False
    signal: str | None = None


@dataclass(frozen=True)
class ChurnDrivers:
    """Secured churn drivers, most important (largest ``attributable_low``) first."""

    drivers: tuple[Driver, ...]
    selected_journey: str | None = None

    def top(self, n: int = 3) -> tuple[Driver, ...]:
        """The ``n`` most important drivers."""
        return self.drivers[:n]

    def similar(self, n: int = 3) -> tuple[tuple[Driver, ...], ...]:
        """Runs of neighbours among the top ``n`` whose attributable ranges overlap.

        Their order is not secured: the section calls them of similar size
        instead of ranking one above the other.
        """
        runs: list[list[Driver]] = []
        for d in self.top(n):
            last = runs[-1][-1] if runs else None
            if last is not None and d.attributable_high >= last.attributable_low:
                runs[-1].append(d)
            else:
                runs.append([d])
        return tuple(tuple(run) for run in runs if len(run) > 1)

    def to_frame(self) -> pd.DataFrame:
        """One row per driver with the figures and links, ranked."""
        columns = [f for f in Driver.__dataclass_fields__]
        frame = pd.DataFrame([asdict(d) for d in self.drivers], columns=columns)
        frame.insert(0, "rank", np.arange(1, len(frame) + 1))
        return frame


def _link(covariate: str, workshop: Workshop | None, selected: str | None) -> dict[str, object]:
    """Phase, journey (chosen first) and signal of a covariate."""
    phase = COVARIATE_PHASES.get(covariate)
    signal = COVARIATE_SIGNALS.get(covariate)
    phases = list(getattr(workshop, "phases", []) or [])
    if phase is None or (phases and phase not in phases):
        return {"phase": None, "journey": None, "chosen": False, "signal": signal}
    journeys = [j for j in getattr(workshop, "journeys", []) or [] if phase in j.phases]
    journeys.sort(key=lambda j: j.name != selected)
    journey = journeys[0].name if journeys else None
    return {
        "phase": phase,
        "journey": journey,
        "chosen": journey is not None and journey == selected,
        "signal": signal,
    }


def _candidates(
    hazard_ratios: pd.DataFrame,
    design: Design,
    x: np.ndarray,
    events: np.ndarray,
    source: Literal["model", "signals"],
    unit: Literal["customers", "months"],
    claims: Claims,
) -> list[Driver]:
    """One driver per covariate with a finding (see the module docstring)."""
    columns = list(design.columns)
    n_events = max(int(events.sum()), 1)
    best: dict[str, tuple[float, float, Driver]] = {}
    kind: Kind = "cox" if source == "model" else "signals"
    for j, column in enumerate(columns):
        row = hazard_ratios.loc[column]
        test = claims.get(kind, column)
        if test is None or not test.finding:
            continue
        name, _, level = column.partition(": ")
        values = x[:, j]
        turned = bool(row["hr"] < 1)
        comparison = risk_level = None
        if level:
            levels = design.levels[name]
            own = [columns.index(f"{name}: {lv}") for lv in levels[1:]]
            reference = (x[:, own] == 0).all(axis=1)
            if turned:
                exposed, risk_level, comparison = reference, levels[0], level
                size = float(values.sum())
            else:
                exposed, comparison = values == 1, levels[0]
                size = float(reference.sum())
        else:
            if set(np.unique(values)) - {0.0, 1.0}:
                continue  # a numeric covariate has no exposed group
            exposed = values == (0 if turned else 1)
            size = float((~exposed).sum())
        hr, low, high = row["hr"], row["low"], row["high"]
        if turned:
            hr, low, high = 1 / hr, 1 / high, 1 / low
        share_churners = float((exposed & events).sum() / n_events)
        driver = Driver(
            covariate=name,
            column=column,
            source=source,
            hr=float(hr),
            low=float(low),
            high=float(high),
            p=float(row["p"]),
            p_adjusted=test.p_adjusted,
            turned=turned,
            risk_level=risk_level,
            comparison=comparison,
            share_exposed=float(exposed.mean()),
            share_churners=share_churners,
            attributable=share_churners * (1 - 1 / hr),
            attributable_low=share_churners * (1 - 1 / low),
            attributable_high=share_churners * (1 - 1 / high),
            unit=unit,
        )
        key = (size, driver.attributable_low)
        if name not in best or key > best[name][:2]:
            best[name] = (*key, driver)
    return [entry[2] for entry in best.values()]


def rank_drivers(
    model: CoxModel | None = None,
    model_frame: pd.DataFrame | None = None,
    signal_model: SignalModel | None = None,
    workshop: Workshop | None = None,
    selected: str | None = None,
    *,
    claims: Claims | None = None,
) -> ChurnDrivers:
    """Rank the drivers of both models that are findings and link them to journey and signals.

    ``model`` / ``model_frame``: the main :class:`~cxlib.survival.cox.CoxModel` and the
    rows it was fitted on (``event`` column); ``signal_model``: a
    :class:`~cxlib.survival.signal_model.SignalModel`; ``workshop``: the parameter
    file's workshop (phases, journeys); ``selected``: the chosen journey's name;
    ``claims``: the section's family of tests (default: the family of these two
    models alone, :func:`cxlib.survival.claims.assess`).
    """
    if claims is None:
        claims = assess(model=model, model_frame=model_frame, signals=signal_model)
    found: list[Driver] = []
    if model is not None and model_frame is not None and len(model_frame):
        x = model.design.matrix(model_frame)
        events = model_frame["event"].to_numpy(dtype=bool)
        found += _candidates(
            model.hazard_ratios, model.design, x, events, "model", "customers", claims
        )
    if signal_model is not None and signal_model.model is not None:
        sm = signal_model.model
        episodes = signal_model.episodes
        x = sm.design.matrix(episodes)
        events = episodes["event"].to_numpy(dtype=bool)
        found += _candidates(sm.hazard_ratios, sm.design, x, events, "signals", "months", claims)
    linked = [
        Driver(**{**asdict(d), **_link(d.covariate, workshop, selected)})
        for d in found
        if d.attributable_low > 0
    ]
    linked.sort(key=lambda d: -d.attributable_low)
    return ChurnDrivers(tuple(linked), selected)
