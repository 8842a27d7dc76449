"""Maturity answers (0-4 per item and respondent) for the demo clients.

A client's profile gives the expected score of each of the eight dimensions
(0-4 scale), its respondents with their department and a personal leniency,
and department-specific views of single dimensions. Each respondent's latent
view of an item is ``dimension mean + item offset + leniency + department
view + noise``; the score is that value rounded and clipped to 0-4. A second
wave keeps the same latent views and adds the planted improvement plus a
little noise, so that unchanged dimensions stay (almost) unchanged.
Single cells can be overridden (planted disagreements) or left empty
("weiß nicht").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DIMENSIONS: tuple[str, ...] = tuple(f"D{i}" for i in range(1, 9))
DIMENSION_NAMES: dict[str, str] = {
    "D1": "Strategie & Führung",
    "D2": "Organisation & Zusammenarbeit",
    "D3": "Kundenverständnis & VoC",
    "D4": "Journey-Management",
    "D5": "Feedback-Kreislauf",
    "D6": "Kennzahlen & Lernen",
    "D7": "Mitarbeiterbefähigung",
    "D8": "Technologie & Datenintegration",
}
ITEMS: tuple[str, ...] = tuple(f"{d}.{i}" for d in DIMENSIONS for i in (1, 2, 3))


@dataclass(frozen=True)
class Respondent:
    """One workshop participant (pseudonymous id, department, leniency)."""

    id: str
    department: str
    leniency: float = 0.0


@dataclass(frozen=True)
class Wave:
    """One assessment wave: its label, planted changes and single cells.

    ``shift`` adds to the latent views of whole dimensions (relative to the
    first wave); ``overrides`` fixes single ``(respondent, item)`` scores;
    ``blanks`` is the number of randomly chosen "weiß nicht" cells.
    """

    label: str | None
    shift: Mapping[str, float] = field(default_factory=dict)
    overrides: Mapping[tuple[str, str], int] = field(default_factory=dict)
    blanks: int = 1


@dataclass(frozen=True)
class MaturityProfile:
    """A client's maturity profile; see the module docstring."""

    dimension_means: Mapping[str, float]
    respondents: tuple[Respondent, ...]
    waves: tuple[Wave, ...]
    department_views: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    noise: float = 0.5
    item_spread: float = 0.25
    wave_noise: float = 0.2


def generate_maturity(rng: np.random.Generator, profile: MaturityProfile) -> pd.DataFrame:
    """All answers of all waves: respondent, department, item, score (nullable), wave."""
    n_resp, n_items = len(profile.respondents), len(ITEMS)
    dims = np.array([item.split(".")[0] for item in ITEMS])
    means = np.array([profile.dimension_means[d] for d in dims])
    item_offset = rng.normal(0.0, profile.item_spread, n_items)
    leniency = np.array([r.leniency for r in profile.respondents])
    views = np.zeros((n_resp, n_items))
    for i, resp in enumerate(profile.respondents):
        dept = profile.department_views.get(resp.department, {})
        views[i] = [dept.get(d, 0.0) for d in dims]
    latent = (
        means[None, :]
        + item_offset[None, :]
        + leniency[:, None]
        + views
        + rng.normal(0.0, profile.noise, (n_resp, n_items))
    )
    frames = []
    for k, wave in enumerate(profile.waves):
        if k > 0:
            shift = np.array([wave.shift.get(d, 0.0) for d in dims])
            latent = latent + shift[None, :] + rng.normal(0.0, profile.wave_noise, latent.shape)
        scores = np.clip(np.round(latent), 0, 4).astype(float)
        ids = [r.id for r in profile.respondents]
        for (resp_id, item), value in sorted(wave.overrides.items()):
            scores[ids.index(resp_id), ITEMS.index(item)] = value
        fixed = {(ids.index(r), ITEMS.index(i)) for r, i in wave.overrides}
        free = [cell for cell in range(n_resp * n_items) if divmod(cell, n_items) not in fixed]
        for cell in rng.choice(np.array(free), size=wave.blanks, replace=False):
            scores[divmod(int(cell), n_items)] = np.nan
        frames.append(
            pd.DataFrame(
                {
                    "respondent": np.repeat(ids, n_items),
                    "department": np.repeat([r.department for r in profile.respondents], n_items),
                    "item": np.tile(ITEMS, n_resp),
                    "score": scores.reshape(-1),
                    "wave": wave.label,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def dimension_scores(frame: pd.DataFrame) -> pd.Series:
    """Dimension score 0-100 (mean item score / 4 · 100), as in the method."""
    dims = frame["item"].str.split(".").str[0]
    return frame.groupby(dims)["score"].mean() / 4 * 100
