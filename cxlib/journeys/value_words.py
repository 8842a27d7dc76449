"""The plan's value in words: the short note under the plan and the summary statement.

Words only; the numbers are :mod:`cxlib.journeys.plan_value`'s (facts
``plan.value.*`` and ``kpi.clv``). The note is compact (the printed plan
stays on one A4 page): one sentence per valued measure with its calculation,
one sentence for the measures not valued with the reason, and the
assumptions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.journeys.plan import ActionPlan, shown_value
from cxlib.journeys.plan_value import MeasureValue, PlanValue, value_id
from cxlib.kpis.tables import value_text
from cxlib.kpis.value_at_risk import money_words
from cxlib.report.summary import Statement
from cxlib.texts import t

__all__ = ["value_note", "value_statement"]


def _t(key: str, lang: str, **values: object) -> str:
    return t(f"journeys.plan.value.{key}", lang, **values)


def _money(value: float, lang: str, digits: int = 2) -> str:
    return money_words(value, lang, digits) if np.isfinite(value) else fmt.MISSING


def _valued(m: MeasureValue, row: pd.Series, clv: float, lang: str) -> str:
    """One valued measure: its calculation from the customers to the euros."""
    text = _t(
        str(m.metric),
        lang,
        number=m.number,
        baseline=shown_value(row, "baseline", lang),
        target=shown_value(row, "target", lang),
        affected=fmt.integer(m.affected, lang),
        change=fmt.number(m.change, 2, lang),
        months=fmt.integer(m.periods, lang),
        kept=fmt.integer(m.kept, lang),
        clv=value_text("clv", clv, lang, "€"),
        value=_money(m.value, lang),
        interval=_interval(m.low, m.high, lang),
    )
    return text


def _interval(low: float, high: float, lang: str) -> str:
    """ "(95 %-Intervall 143.000 € bis 154.000 €)", or why there is none."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return _t("no_interval", lang)
    return _t("interval", lang, low=_money(low, lang, 3), high=_money(high, lang, 3))


def _measures(numbers: list[int], lang: str) -> str:
    """ "Maßnahme 2" or "Maßnahmen 1 und 3" (measures by their number in the plan)."""
    if len(numbers) == 1:
        return _t("measure_one", lang, number=numbers[0])
    first = ", ".join(str(n) for n in numbers[:-1])
    joined = t("report.display.and_last", lang, first=first, last=numbers[-1])
    return _t("measure_many", lang, numbers=joined)


def value_note(value: PlanValue | None, plan: ActionPlan, lang: str) -> str | None:
    """The note under the plan's measures (None without measures)."""
    if value is None:
        return None
    parts = [_t("heading", lang)]
    clv = value.risk.clv if value.risk is not None else float("nan")
    rows = list(plan.measures.iterrows())
    for m in value.valued:
        parts.append(_valued(m, rows[m.number - 1][1], clv, lang))
    if len(value.valued) > 1:
        parts.append(
            _t(
                "total",
                lang,
                kept=fmt.integer(value.kept, lang),
                value=_money(value.total, lang),
                low=_money(value.total_low, lang, 3),
                high=_money(value.total_high, lang, 3),
            )
        )
    reasons: dict[str, list[int]] = {}
    for m in value.measures:
        if m.status != "valued":
            reasons.setdefault(m.status, []).append(m.number)
    for status, numbers in reasons.items():
        reason = _t(f"reason.{status}", lang)
        if len(numbers) == len(value.measures):  # none valued, one reason: short (the plan's page)
            parts.append(_t("none_valued", lang, reason=reason))
            break
        parts.append(_t("not_valued", lang, measures=_measures(numbers, lang), reason=reason))
    if value.valued:
        parts.append(_t("assumptions", lang))
    return " ".join(parts)


def value_statement(value: PlanValue | None, lang: str) -> Statement | None:
    """The summary's sentence in euros about the plan (None where nothing is valued)."""
    if value is None or not value.valued:
        return None
    text = _t(
        "statement",
        lang,
        kept=fmt.integer(value.kept, lang),
        value=_money(value.total, lang),
        low=_money(value.total_low, lang, 3),
        high=_money(value.total_high, lang, 3),
    )
    cited = (value_id("total", "kept"), value_id("total", "value"))
    return Statement(text, "grey", "journey", "context", cited)
