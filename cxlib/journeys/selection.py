"""Which journey to improve first: the seed's selection rule (seed 003, CX_METHOD.md).

Candidates are rated 1-5 on Häufigkeit (frequency), Schaden (damage) and
Machbarkeit (feasibility within 4-6 weeks), possibly by several participants.
Ratings are averaged per journey (the spread between raters is kept). A
journey qualifies only if all three means are at least ``min_rating``;
qualifiers rank by the product H·S·M (the sum is shown beside it). A tie for
first place goes to the fallback journey (the Startphase) if it is among the
tied, else to the higher Schaden, then the higher Häufigkeit. When no journey
qualifies, or any rating is marked uncertain, the seed's advice applies:
"Wenn Sie unsicher sind: Startphase zuerst".

:func:`select` returns a frozen :class:`Selection`; :func:`from_workshop`
builds the ratings table from a parameter file's ``workshop`` section.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.exceptions import CXError
from cxlib.parameters.schema import JourneyOptions, Workshop
from cxlib.texts import t

if TYPE_CHECKING:
    from IPython.display import HTML
    from matplotlib.axes import Axes

Reason = Literal["rule", "tie", "none_qualified", "uncertain"]
CRITERIA = ("frequency", "damage", "feasibility")
_TOL = 1e-9


class RatingError(CXError):
    """A workshop ratings table is malformed (missing column, rating outside 1-5)."""


@dataclass(frozen=True)
class Flip:
    """A single rating moved by one point that changes the choice."""

    journey: str
    criterion: str
    delta: int
    selected: str


def _validate(ratings: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(ratings, pd.DataFrame):
        raise RatingError("Die Bewertungen müssen eine Tabelle (DataFrame) sein.")
    missing = [c for c in ("journey", *CRITERIA) if c not in ratings.columns]
    if missing:
        raise RatingError(
            f"Bewertungstabelle: Spalte(n) {', '.join(missing)} fehlen; erwartet: journey, "
            "frequency, damage, feasibility (optional uncertain, rater)."
        )
    if ratings.empty:
        raise RatingError("Bewertungstabelle: keine Bewertungen.")
    frame = ratings.reset_index(drop=True).copy()
    for number, row in frame.iterrows():
        label = f"Zeile {number + 1}"
        if "rater" in frame.columns and not pd.isna(row["rater"]):
            label += f" ({row['rater']}, {row['journey']})"
        else:
            label += f" ({row['journey']})"
        if pd.isna(row["journey"]) or not str(row["journey"]).strip():
            raise RatingError(f"Bewertungstabelle, Zeile {number + 1}: Journey fehlt.")
        for column in CRITERIA:
            value = row[column]
            ok = (
                isinstance(value, numbers.Real)
                and not isinstance(value, bool)
                and not pd.isna(value)
                and float(value) == int(float(value))
                and 1 <= float(value) <= 5
            )
            if not ok:
                raise RatingError(
                    f"Bewertungstabelle, {label}, Spalte „{column}“: Wert „{value}“ ungültig; "
                    "erwartet eine ganze Zahl von 1 bis 5."
                )
    for column in CRITERIA:
        frame[column] = frame[column].astype(int)
    if "uncertain" in frame.columns:
        frame["uncertain"] = frame["uncertain"].fillna(False).astype(bool)
    else:
        frame["uncertain"] = False
    frame["journey"] = frame["journey"].astype(str)
    return frame


def _aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    grouped = frame.groupby("journey", sort=False)
    out = grouped[list(CRITERIA)].mean()
    for column in CRITERIA:
        out[f"{column}_min"] = grouped[column].min()
        out[f"{column}_max"] = grouped[column].max()
    out.insert(0, "raters", grouped.size())
    out["uncertain"] = grouped["uncertain"].sum().astype(int)
    return out


def _is(name: str, fallback: str) -> bool:
    return name.casefold() == fallback.casefold()


def _choose(
    names: list[str],
    means: np.ndarray,
    uncertain: bool,
    min_rating: float,
    fallback: str,
) -> tuple[str, Reason, str | None]:
    """The rule on mean ratings (rows: journeys; columns H, S, M).

    Returns the choice, the reason and, for a tie, why the winner won
    (``"fallback"``, ``"damage"``, ``"frequency"`` or ``"order"``).
    """
    fallback_name = next((n for n in names if _is(n, fallback)), fallback)
    if uncertain:
        return fallback_name, "uncertain", None
    qualified = np.all(means >= min_rating - _TOL, axis=1)
    if not qualified.any():
        return fallback_name, "none_qualified", None
    products = np.where(qualified, means.prod(axis=1), -np.inf)
    best = products.max()
    tied = [i for i in range(len(names)) if qualified[i] and products[i] >= best - _TOL]
    if len(tied) == 1:
        return names[tied[0]], "rule", None
    for i in tied:
        if _is(names[i], fallback):
            return names[i], "tie", "fallback"
    for column, why in ((1, "damage"), (0, "frequency")):
        top = max(means[i, column] for i in tied)
        tied_next = [i for i in tied if means[i, column] >= top - _TOL]
        if len(tied_next) == 1:
            return names[tied_next[0]], "tie", why
        tied = tied_next
    return names[tied[0]], "tie", "order"


@dataclass(frozen=True)
class Selection:
    """The result of the journey selection."""

    selected: str
    reason: Reason
    ranking: pd.DataFrame
    robust: bool
    ratings: pd.DataFrame
    min_rating: float
    fallback: str
    tie_break: str | None = None
    rule_choice: str | None = None
    flips: tuple[Flip, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The ranking: one row per journey with means, spread, product, sum, rank."""
        return self.ranking.copy()

    @property
    def chosen_row(self) -> pd.Series | None:
        """The ranking row of the selected journey (None if it was not rated)."""
        rows = self.ranking[self.ranking["journey"] == self.selected]
        return None if rows.empty else rows.iloc[0]

    def _value(self, row: pd.Series, column: str, lang: str) -> str:
        mean = fmt.number(row[column], 1, lang).removesuffix(",0").removesuffix(".0")
        low, high = int(row[f"{column}_min"]), int(row[f"{column}_max"])
        return mean if low == high else f"{mean} ({low}–{high})"

    def table(self, lang: str = "de") -> pd.DataFrame:
        """The ranking as a display frame with translated headers (spread in brackets)."""

        def c(key: str) -> str:
            return t(f"journeys.col.{key}", lang)

        rows = []
        for _, row in self.ranking.iterrows():
            rows.append(
                {
                    c("journey"): row["journey"],
                    c("raters"): int(row["raters"]),
                    c("frequency"): self._value(row, "frequency", lang),
                    c("damage"): self._value(row, "damage", lang),
                    c("feasibility"): self._value(row, "feasibility", lang),
                    c("product"): row["product"],
                    c("sum"): row["sum"],
                    c("qualified"): bool(row["qualified"]),
                    c("rank"): fmt.integer(row["rank"], lang) if pd.notna(row["rank"]) else "–",
                }
            )
        return pd.DataFrame(rows)

    def summary(self, lang: str = "de") -> HTML:
        """The ranking table (HTML, escaped) with the numbers in the report's language."""
        from cxlib.report import blocks as display

        caption = t("journeys.col.caption", lang)
        return display.table(self.table(lang), lang, decimals=1, caption=caption)

    def _repr_html_(self) -> str:
        return str(self.summary().data)

    def headline(self, lang: str = "de") -> str:
        """'Empfohlene Fokus-Journey: Geldphase (Häufigkeit 4,5, …); Auswahl robust.'"""
        row = self.chosen_row
        robust = t(f"journeys.robust.{'yes' if self.robust else 'no'}", lang)
        if row is None:
            return t("journeys.headline_unrated", lang, journey=self.selected, robust=robust)
        return t(
            "journeys.headline",
            lang,
            journey=self.selected,
            frequency=_short(row["frequency"], lang),
            damage=_short(row["damage"], lang),
            feasibility=_short(row["feasibility"], lang),
            robust=robust,
        )

    def explanation(self, lang: str = "de") -> str:
        """One sentence: which branch of the rule applied and why."""
        qualified = self.ranking[self.ranking["qualified"]]
        values: dict[str, Any] = {
            "journey": self.selected,
            "min": _short(self.min_rating, lang),
            "n": fmt.integer(len(qualified), lang),
            "total": fmt.integer(len(self.ranking), lang),
        }
        chosen = self.chosen_row
        if self.reason in ("rule", "tie"):
            if chosen is None:
                raise ValueError("a journey chosen by the rule or a tie has a ranking row")
            values["product"] = fmt.number(chosen["product"], 1, lang)
            if self.reason == "tie":
                tied = qualified[np.isclose(qualified["product"], chosen["product"])]
                values["tied"] = _join(list(tied["journey"]), lang)
                return t(f"journeys.reason.tie_{self.tie_break}", lang, **values)
        if self.reason == "uncertain":
            unsure = self.ratings[self.ratings["uncertain"]]
            who = unsure.get("rater", pd.Series(dtype=str))
            values["count"] = fmt.integer(len(unsure), lang)
            values["who"] = _join(
                [
                    f"{r} – {j}" if isinstance(r, str) and r else str(j)
                    for r, j in zip(who.reindex(unsure.index), unsure["journey"], strict=True)
                ],
                lang,
            )
            same = self.rule_choice is not None and _is(self.rule_choice, self.selected)
            text = t("journeys.reason.uncertain", lang, **values)
            if self.rule_choice is not None:
                key = "same" if same else "differs"
                text += " " + t(f"journeys.reason.rule_{key}", lang, other=self.rule_choice)
            return text
        return t(f"journeys.reason.{self.reason}", lang, **values)

    def robustness(self, lang: str = "de") -> str:
        """One sentence: robust, or which single one-point change would flip the choice."""
        if self.robust:
            return t("journeys.robustness.robust", lang)
        flip = self.flips[0]
        return t(
            f"journeys.robustness.close_{'up' if flip.delta > 0 else 'down'}",
            lang,
            journey=flip.journey,
            criterion=t(f"journeys.criterion.{flip.criterion}", lang),
            other=flip.selected,
            count=fmt.integer(len(self.flips), lang),
        )

    def plot(self, ax: Axes | None = None, lang: str = "de") -> Axes:
        """Bubble chart frequency × damage, size = feasibility; returns the Axes."""
        from cxlib.journeys.plots import bubbles

        return bubbles(self, ax=ax, lang=lang)

    def to_dict(self) -> dict[str, object]:
        """Ratings, ranking, choice, reason and robustness, ready for results.json."""
        return {
            "selected": self.selected,
            "reason": self.reason,
            "tie_break": self.tie_break,
            "robust": self.robust,
            "min_rating": self.min_rating,
            "fallback": self.fallback,
            "ranking": self.ranking.to_dict(orient="records"),
            "ratings": self.ratings.to_dict(orient="records"),
            "flips": [f.__dict__ for f in self.flips],
        }


def _short(value: float, lang: str) -> str:
    """4.0 → '4', 4.25 → '4,3', 4.5 → '4,5'."""
    text = fmt.number(value, 1, lang)
    return text[:-2] if text.endswith((",0", ".0")) else text


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('journeys.and', lang)} {items[-1]}"


def select(ratings: pd.DataFrame, min_rating: float = 3, fallback: str = "Startphase") -> Selection:
    """Apply the seed's selection rule to workshop ratings.

    ``ratings`` has one row per rating: ``journey``, ``frequency``, ``damage``,
    ``feasibility`` (whole numbers 1-5), optional ``uncertain`` (bool) and
    ``rater``. ``fallback`` names the journey of "Startphase zuerst"
    (compared case-insensitively). Raises :class:`RatingError` naming the row
    for a rating outside 1-5 or not a whole number.

    ``robust`` is False when moving any single rating by one point (within
    1-5) changes the choice; the changes that would are in ``flips``. Under
    the "uncertain" branch the fallback stands whatever the ratings.
    """
    frame = _validate(ratings)
    agg = _aggregate(frame)
    names = list(agg.index)
    means = agg[list(CRITERIA)].to_numpy(dtype=float)
    any_uncertain = bool(frame["uncertain"].any())
    selected, reason, why = _choose(names, means, any_uncertain, min_rating, fallback)
    rule_choice = _choose(names, means, False, min_rating, fallback)[0] if any_uncertain else None

    # robustness: every single rating moved by one point (within 1-5)
    flips: list[Flip] = []
    for j, name in enumerate(names):
        rows = frame[frame["journey"] == name]
        for c, criterion in enumerate(CRITERIA):
            for delta in (1, -1):
                movable = (rows[criterion] + delta).between(1, 5).any()
                if not movable:
                    continue
                moved = means.copy()
                moved[j, c] += delta / len(rows)
                other = _choose(names, moved, any_uncertain, min_rating, fallback)[0]
                if other != selected:
                    flips.append(Flip(name, criterion, delta, other))

    ranking = agg.reset_index()
    ranking["qualified"] = (ranking[list(CRITERIA)] >= min_rating - _TOL).all(axis=1)
    ranking["product"] = ranking[list(CRITERIA)].prod(axis=1)
    ranking["sum"] = ranking[list(CRITERIA)].sum(axis=1)
    ranking["selected"] = ranking["journey"] == selected
    order = ranking.assign(_q=~ranking["qualified"], _s=~ranking["selected"]).sort_values(
        ["_q", "product", "damage", "frequency"], ascending=[True, False, False, False]
    )
    ranking = order.drop(columns=["_q", "_s"]).reset_index(drop=True)
    ranks = ranking["qualified"].cumsum().where(ranking["qualified"])
    ranking["rank"] = ranks.astype("Int64")
    return Selection(
        selected=selected,
        reason=reason,
        ranking=ranking,
        robust=not flips,
        ratings=frame,
        min_rating=float(min_rating),
        fallback=fallback,
        tie_break=why,
        rule_choice=rule_choice,
        flips=tuple(flips),
    )


def ratings_frame(workshop: Workshop) -> pd.DataFrame:
    """The workshop's ratings as the table :func:`select` takes (journey = display name)."""
    rows = [
        {
            "journey": journey.name,
            "journey_id": journey.id,
            "rater": rating.participant,
            "frequency": rating.frequency,
            "damage": rating.damage,
            "feasibility": rating.feasibility,
            "uncertain": rating.uncertain,
        }
        for journey in workshop.journeys
        for rating in journey.ratings
    ]
    return pd.DataFrame(rows)


def from_workshop(workshop: Workshop, options: JourneyOptions) -> Selection | None:
    """Run :func:`select` on a parameter file's workshop; None when nothing was rated.

    ``options`` is :class:`cxlib.parameters.schema.JourneyOptions`; its ``fallback``
    may be a journey id or name.
    """
    frame = ratings_frame(workshop)
    if frame.empty:
        return None
    fallback = options.fallback
    for journey in workshop.journeys:
        if _is(journey.id, fallback) or _is(journey.name, fallback):
            fallback = journey.name
    return select(frame.drop(columns="journey_id"), options.min_rating, fallback)


def journey_id(workshop: Workshop, name: str) -> str | None:
    """The id of the journey with display name ``name`` (None if not a candidate)."""
    return next((j.id for j in workshop.journeys if j.name == name), None)
