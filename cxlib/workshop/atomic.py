"""Atomic writes of the workshop's files, their earlier versions, and the log of who saved what.

:func:`replace_atomically` is the only way the workshop writes a client file:

1. the new bytes go to a temporary file in the same folder, flushed and
   fsynced (temporary files left by a killed save are removed after an hour);
2. a ``validate`` callback checks that temporary file (the store passes the
   batch loader itself, so nothing a run cannot read is ever put in place);
3. the previous file is copied into
   ``<dir>/.workshop-history/<file name>/<UTC time>_<writer>.<ext>`` (the last
   :data:`KEEP_VERSIONS` are kept);
4. :func:`os.replace` puts the new file in place and the folder is fsynced.

A crash at any point leaves the previous file byte-identical; an
:class:`OSError` becomes :class:`~cxlib.workshop.errors.WorkshopWriteError`
with a plain message. :func:`versions_of` lists the kept copies as
:class:`Version` objects; :class:`SaveLog` is the append-only
``.log.jsonl`` that names the writer of each save.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxlib.exceptions import CXError
from cxlib.texts import t
from cxlib.workshop.errors import WorkshopWriteError

__all__ = [
    "HISTORY_DIR",
    "KEEP_VERSIONS",
    "SaveLog",
    "Version",
    "fingerprint",
    "now",
    "replace_atomically",
    "versions_of",
    "when",
]

#: Folder beside each written file that holds its earlier versions (and the lock and log).
HISTORY_DIR = ".workshop-history"
#: Earlier versions kept per file.
KEEP_VERSIONS = 100
#: Lines the save log keeps (it is cut to half when it grows beyond).
MAX_LOG_LINES = 2000
_STAMP = "%Y%m%dT%H%M%S%fZ"
_VERSION_NAME = re.compile(r"^(\d{8}T\d{12}Z)_(.*)$")


def now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def when(moment: dt.datetime, lang: str, seconds: bool = False) -> str:
    """ "um 14:32" today, "am 22.11.2026 um 14:32" otherwise (local time); with
    ``seconds`` "um 14:32:05" (versions saved within one minute differ)."""
    local = moment.astimezone()
    time = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    if local.date() == dt.datetime.now().astimezone().date():
        return t("workshop_store.when_today", lang, time=time)
    date = local.strftime("%d.%m.%Y") if lang == "de" else local.strftime("%Y-%m-%d")
    return t("workshop_store.when_other", lang, date=date, time=time)


def fingerprint(path: Path) -> str:
    """Hash of a file's bytes (raises OSError when it cannot be read)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: German letters spelt out for file names.
_UMLAUTS: dict[str, str | int | None] = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "ß": "ss",
}


def _safe_name(writer: str) -> str:
    """``writer`` as a file-name part: ASCII letters, digits, - and _."""
    folded = writer.translate(str.maketrans(_UMLAUTS))
    return re.sub(r"[^A-Za-z0-9_-]+", "-", folded).strip("-")[:40] or "workshop"


def _remove_stale(directory: Path, prefix: str, age: float = 3600.0) -> None:
    """Remove temporary files left by a save that was killed (older than ``age`` seconds)."""
    limit = now().timestamp() - age
    for path in directory.glob(f"{glob.escape(prefix)}*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (best effort; not possible on every platform)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Version:
    """An earlier version of a workshop file, kept in its history folder.

    ``path`` is the copy, ``original`` the file it is a version of.
    ``saved_at`` (UTC) and ``writer`` tell when and by whom this version was
    replaced: the copy is the state just before that save.
    """

    path: Path
    original: Path
    saved_at: dt.datetime
    writer: str

    def label(self, lang: str = "de") -> str:
        """A line for a list of versions ("kunde.yaml: Stand vor der Änderung von Anna …")."""
        return t(
            "workshop_store.version_label",
            lang,
            file=self.original.name,
            writer=self.writer,
            when=when(self.saved_at, lang, seconds=True),
        )


def history_folder(original: Path) -> Path:
    """The folder that holds the earlier versions of ``original``."""
    return original.parent / HISTORY_DIR / original.name


def backup_copy(path: Path, writer: str) -> Path:
    """Copy ``path`` into its history folder (named by time and writer); the copy.

    Only the newest :data:`KEEP_VERSIONS` copies are kept.
    """
    folder = history_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now().strftime(_STAMP)
    target = folder / f"{stamp}_{_safe_name(writer)}{path.suffix}"
    counter = 1
    while target.exists():
        counter += 1
        target = folder / f"{stamp}_{_safe_name(writer)}-{counter}{path.suffix}"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    os.close(fd)
    try:
        shutil.copy2(path, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    versions = sorted(p for p in folder.iterdir() if _VERSION_NAME.match(p.stem))
    for old in versions[:-KEEP_VERSIONS]:
        old.unlink(missing_ok=True)
    return target


def replace_atomically(
    path: Path,
    data: bytes,
    *,
    writer: str,
    lang: str,
    validate: Callable[[Path], None] | None = None,
    backup: bool = True,
) -> Path | None:
    """Write ``data`` to ``path`` atomically; returns the backup of the old file.

    The data goes to a temporary file in the same folder (flushed and
    fsynced), ``validate`` checks that file, the old file is copied into the
    history (unless ``backup`` is False; named after ``writer``), and
    :func:`os.replace` puts the new one in place. On any error the temporary
    file is removed and ``path`` is left untouched; an OSError is raised as
    WorkshopWriteError with a message in ``lang``.
    """
    prefix = f".{path.stem}.tmp-"
    _remove_stale(path.parent, prefix)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=path.suffix, dir=path.parent)
    tmp = Path(name)
    saved: Path | None = None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        if validate is not None:
            validate(tmp)
        if backup and path.exists():
            saved = backup_copy(path, writer)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if saved is not None:
            saved.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, CXError):
            message = t("workshop_store.write_failed", lang, file=path, error=exc)
            raise WorkshopWriteError(message) from exc
        raise
    _fsync_dir(path.parent)
    return saved


def versions_of(original: Path, writers: Mapping[str, str]) -> list[Version]:
    """The kept copies of ``original`` (any order); ``writers`` names them by copy path.

    Copies the log does not know are named by the writer in their file name.
    """
    folder = history_folder(original)
    if not folder.is_dir():
        return []
    versions = []
    for path in folder.iterdir():
        found = _VERSION_NAME.match(path.stem)
        if not found or path.suffix != original.suffix:
            continue
        saved_at = dt.datetime.strptime(found.group(1), _STAMP).replace(tzinfo=dt.UTC)
        writer = writers.get(str(path)) or found.group(2)
        versions.append(Version(path, original, saved_at, writer))
    return versions


class SaveLog:
    """The append-only log of saves (``<client file>.log.jsonl`` in the history folder).

    One JSON line per save: time, writer, the saved unit's key and token, the
    file written, its hash and the backup made. Conflict messages and the
    history read the writers from it.
    """

    def __init__(self, path: Path, writer: str) -> None:
        self.path = path
        self.writer = writer

    def note(self, key: str, token: str, file: Path, backup: Path | None) -> None:
        """Note who saved what (best effort: a failing log write must not fail the save)."""
        with suppress(OSError):
            self._append(key, token, file, backup)

    def _append(self, key: str, token: str, file: Path, backup: Path | None) -> None:
        entry = {
            "at": now().isoformat(),
            "writer": self.writer,
            "key": key,
            "token": token,
            "file": str(file),
            "sha": fingerprint(file),
            "backup": str(backup) if backup else None,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._trim()

    def entries(self) -> list[dict[str, Any]]:
        """Every readable entry, oldest first (a line cut short by a crash is skipped)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return []
        entries = []
        for line in text.splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return entries

    def last_change(self, key: str, token: str, file: Path) -> dict[str, Any] | None:
        """The entry of the save that left the unit ``key`` at ``token``, or None.

        When the last save of ``key`` left another token, a save that wrote
        exactly ``file`` as it is now counts (a restore, or the switch to the
        workshop CSV); None when the change was made outside the workshop.
        """
        entries = self.entries()
        entry: dict[str, Any] | None = next(
            (e for e in reversed(entries) if e.get("key") == key), None
        )
        if entry is not None and entry.get("token") == token:
            return entry
        entry = next((e for e in reversed(entries) if e.get("file") == str(file)), None)
        same: bool
        try:
            same = entry is not None and entry.get("sha") == fingerprint(file)
        except OSError:
            same = False
        return entry if same else None

    def _trim(self) -> None:
        entries = self.entries()
        if len(entries) <= MAX_LOG_LINES:
            return
        keep = entries[-MAX_LOG_LINES // 2 :]
        data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in keep).encode("utf-8")
        # the message is never shown: note() swallows the OSError
        replace_atomically(self.path, data, writer=self.writer, lang="de", backup=False)
