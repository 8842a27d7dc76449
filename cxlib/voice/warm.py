"""Importing this module loads the German lemma dictionary (about one second, once per process).

The comment themes lemmatise every word (:mod:`cxlib.voice.coding`, simplemma);
simplemma reads its German dictionary from disk on first use. ``cxwb run``
lists this module among the imports of the kernel that runs the KPI notebook
(:func:`cxlib.runner.kernel.dealt_preloads`), so the dictionary is read while
the kernel waits for its first notebook, not while the notebook runs.
"""

from __future__ import annotations

from cxlib.voice.coding import lemmas

__all__ = ["WARMED"]

#: The lemmas of one word, computed at import (it loads the dictionary).
WARMED = lemmas("Rechnungen")
