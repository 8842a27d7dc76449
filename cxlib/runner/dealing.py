"""Which kernel runs which notebook: the notebooks dealt so that the kernels finish together.

A run with two kernels is as fast as its slower kernel. Dealt round-robin
(01 + 03 | 02 + 04), the KPI notebook, which draws most of the charts, made
its kernel finish 0.4-0.5 s after the other (Stadtwerke, measured in one
process: 01 0.3 s, 02 0.3 s, 03 0.9-1.0 s, 04 0.4 s of CPU). :func:`deal`
gives each notebook to the kernel with the least work so far, heaviest
notebook first, by the weights of :data:`WEIGHTS` (03 alone | 01 + 02 + 04
for two kernels); each kernel runs its notebooks in report order. A notebook
not in the table weighs 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

#: Relative CPU time of the analysis notebooks (demo clients, rounded; any unit).
WEIGHTS: dict[str, float] = {
    "01-reifegrad.ipynb": 1.0,
    "02-journey-auswahl.ipynb": 1.0,
    "03-kennzahlen.ipynb": 3.0,
    "04-verbleibanalyse.ipynb": 1.5,
}


def deal(paths: Sequence[Path], kernels: int) -> list[list[Path]]:
    """``paths`` dealt to at most ``kernels`` groups of about equal weight, each in report order.

    Heaviest notebook first, each to the group with the least weight so far
    (the first such group on a tie); no group is empty.
    """
    if kernels < 1:
        raise ValueError("at least one kernel is needed")
    count = min(kernels, len(paths))
    groups: list[list[Path]] = [[] for _ in range(count)]
    load = [0.0] * count
    order = sorted(range(len(paths)), key=lambda i: -WEIGHTS.get(paths[i].name, 1.0))
    for i in order:
        lightest = load.index(min(load))
        groups[lightest].append(paths[i])
        load[lightest] += WEIGHTS.get(paths[i].name, 1.0)
    position = {path: i for i, path in enumerate(paths)}
    return [sorted(group, key=position.__getitem__) for group in groups if group]
