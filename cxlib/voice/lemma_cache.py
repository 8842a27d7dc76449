"""The German lemmas of words already seen, kept on disk so that a run need not load the dictionary.

simplemma's German dictionary has 1.1 million entries; decoding it costs about
0.8 s of every run that codes comments (once in ``cxwb`` for the testing
family, once more in a kernel that codes a few comments of its own). A
client's comments use a few thousand different words, and the same words come
back in every run of the same client (and mostly in other clients' comments
too). This module keeps, for every word once lemmatised, the lower-case forms
it may stand for (:func:`cxlib.voice.coding.lemmas`) in one JSON file in the
user's cache folder; a word found there needs no dictionary, a new word is
lemmatised by simplemma as before and added. The forms are simplemma's own
answers, so coding is the same with or without the file.

Where: ``$CXWB_CACHE_DIR`` if set, else the platform's cache folder
(``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS,
``%LOCALAPPDATA%`` on Windows) under ``cxwb/``. The file name carries
simplemma's version: after an update the old answers are not used.

What can go wrong: a missing, unreadable or damaged file counts as empty; a
folder that cannot be written is no error (the run only stays as slow as
before). The file is replaced at once (written beside it, then renamed), so a
crash or a second process writing at the same moment leaves the old or the
new file, never half of one; two processes adding words at the same moment
may lose one's additions, which the next run adds again. At most
:data:`MAX_WORDS` words are kept; beyond that new words are still lemmatised
but not stored.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("cxlib.voice.lemma_cache")

#: Environment variable naming the cache folder (tests and shared machines).
CACHE_ENV = "CXWB_CACHE_DIR"
#: Words kept at most (about 40 bytes each in the file).
MAX_WORDS = 200_000


def cache_folder() -> Path:
    """The folder cxwb keeps its caches in (see the module notes)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cxwb"


_STORES: dict[Path, LemmaStore] = {}


def lemma_store(lang: str) -> LemmaStore:
    """The one :class:`LemmaStore` of ``lang`` in this process, in :func:`cache_folder`."""
    path = cache_folder() / f"lemmas-{lang}-simplemma-{_simplemma_version()}.json"
    if path not in _STORES:
        _STORES[path] = LemmaStore(path)
    return _STORES[path]


@functools.cache
def _simplemma_version() -> str:
    """simplemma's version, without importing it (its import alone takes 0.1 s)."""
    from importlib.metadata import version

    return version("simplemma")


class LemmaStore:
    """Lemma forms of words, read from and written to one file (see the module notes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._forms: dict[str, tuple[str, ...]] | None = None
        self._added: dict[str, tuple[str, ...]] = {}

    def _read(self) -> dict[str, tuple[str, ...]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        return {
            word: tuple(forms)
            for word, forms in raw.items()
            if isinstance(forms, list) and all(isinstance(f, str) for f in forms)
        }

    def _known(self) -> dict[str, tuple[str, ...]]:
        if self._forms is None:
            self._forms = self._read()
        return self._forms

    def get(self, word: str) -> tuple[str, ...] | None:
        """The stored forms of ``word``; None when it was never stored."""
        return self._known().get(word)

    def add(self, word: str, forms: tuple[str, ...]) -> None:
        """Remember ``forms`` for ``word`` (written by :meth:`save`)."""
        known = self._known()
        if word in known or len(known) >= MAX_WORDS:
            return
        known[word] = forms
        self._added[word] = forms

    def save(self) -> None:
        """Write the words added since the last save (nothing to do when none were)."""
        if not self._added:
            return
        merged = self._read()
        for word, forms in self._added.items():
            if len(merged) >= MAX_WORDS:
                break
            merged.setdefault(word, forms)
        self._added = {}
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(merged, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only home: the next run lemmatises again
            log.debug("lemma cache not written (%s): %s", self.path, exc)
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
