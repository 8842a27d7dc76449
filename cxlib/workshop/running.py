"""One workshop per client: where a running ``cxwb workshop`` of a client can be found.

A running workshop leaves a note beside the client's parameter file, in the
git-ignored history folder (``.workshop-history/<parameter file>.running.json``,
readable only by its owner because the address holds the token): the process id
and the address. A second ``cxwb workshop`` for the same client reads the note
(:func:`find_running`) and, when that process still runs and its server
answers, says where the first one runs and opens it instead of starting a
second server that would write the same notebook. A note whose process is gone
(after a crash) is ignored and replaced.

Also here: :func:`remove_leftovers` cleans up the temporary files of saves that
were interrupted (``.<name>.tmp-…`` beside the saved file, see
:mod:`cxlib.workshop.atomic`).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cxlib.workshop.atomic import HISTORY_DIR

__all__ = [
    "RunningWorkshop",
    "announce",
    "find_running",
    "note_path",
    "remove_leftovers",
    "withdraw",
]

#: Seconds a temporary file of a save must be old before it counts as left over.
LEFTOVER_AGE = 60.0


@dataclass(frozen=True)
class RunningWorkshop:
    """A ``cxwb workshop`` that runs for a client: its process and its address (with token)."""

    pid: int
    url: str


def note_path(params_file: Path) -> Path:
    """Where the running workshop of ``params_file`` leaves its note."""
    return params_file.parent / HISTORY_DIR / f"{params_file.name}.running.json"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # runs, under another user
        return True
    except OSError:
        return False
    return True


def _answers(url: str) -> bool:
    base, _, query = url.partition("?")
    status = base.split("/lab/", 1)[0] + "/api/status?" + query
    with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(status, timeout=3) as r:
        return bool(r.status == 200)
    return False


def find_running(params_file: Path) -> RunningWorkshop | None:
    """The workshop that runs for ``params_file`` now, or None (no note, or a stale one)."""
    try:
        note = json.loads(note_path(params_file).read_text(encoding="utf-8"))
        found = RunningWorkshop(int(note["pid"]), str(note["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if found.pid == os.getpid() or not _alive(found.pid) or not _answers(found.url):
        return None
    return found


def announce(params_file: Path, url: str, pid: int | None = None) -> Path:
    """Leave the note of this workshop (owner-only, it holds the token); its path."""
    path = note_path(params_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"pid": pid or os.getpid(), "url": url, "started": time.time()}, handle)
    os.replace(tmp, path)
    return path


def withdraw(path: Path) -> None:
    """Remove this workshop's note (when it ends)."""
    with contextlib.suppress(OSError):
        note = json.loads(path.read_text(encoding="utf-8"))
        if int(note.get("pid", 0)) == os.getpid():
            path.unlink()


def remove_leftovers(folder: Path, *, now: float | None = None) -> list[Path]:
    """Delete the temporary files of interrupted saves in ``folder``; the removed paths.

    Only files named like the store's temporary files (``.<name>.tmp-…``) and
    older than :data:`LEFTOVER_AGE` seconds (a save that runs right now is left
    alone) are removed.
    """
    removed = []
    now = time.time() if now is None else now
    for path in folder.glob(".*.tmp-*"):
        with contextlib.suppress(OSError):
            if path.is_file() and now - path.stat().st_mtime > LEFTOVER_AGE:
                path.unlink()
                removed.append(path)
    return removed
