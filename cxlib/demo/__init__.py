"""Three deterministic demo clients with planted, documented effects.

``generate_all(data_dir)`` writes every client's files into
``data_dir/<client_id>/`` and a ``checksums.sha256`` listing all of them, so
that a test can prove that regeneration reproduces the committed bytes.
The planted effects and the numbers an analysis should recover are listed
in ``docs/demo-data.md``; the files are described in ``data/README.md``.

All data are synthetic: names, customer numbers and answers are drawn from
fixed random seeds and do not describe real people or companies.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cxlib.demo import craft, retail, utility
from cxlib.demo.common import sha256

#: The demo clients' ids, in presentation order.
CLIENT_IDS: tuple[str, ...] = (utility.CLIENT_ID, craft.CLIENT_ID, retail.CLIENT_ID)

_WRITERS: dict[str, Callable[[Path], list[Path]]] = {
    utility.CLIENT_ID: utility.write,
    craft.CLIENT_ID: craft.write,
    retail.CLIENT_ID: retail.write,
}

#: Name of the checksum file in the data folder (``sha256sum -c`` format).
CHECKSUM_FILE = "checksums.sha256"


def default_data_dir() -> Path:
    """The project's ``data/`` folder next to the package."""
    import cxlib

    return Path(cxlib.__file__).resolve().parent.parent / "data"


def checksum_lines(data_dir: Path, files: list[Path]) -> str:
    """``sha256sum``-style lines for ``files``, sorted by their path relative to ``data_dir``."""
    rel = sorted((path.relative_to(data_dir).as_posix(), path) for path in files)
    return "".join(f"{sha256(path)}  {name}\n" for name, path in rel)


def generate_all(data_dir: Path) -> dict[str, list[Path]]:
    """Write all demo clients' files into ``data_dir`` and return them by client id.

    Also writes ``data_dir/checksums.sha256`` (sorted relative paths). The
    bytes depend only on the seeds in the client modules (and the numpy and
    openpyxl versions), not on time, locale or environment.
    """
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    written = {client: _WRITERS[client](data_dir) for client in CLIENT_IDS}
    files = [path for paths in written.values() for path in paths]
    (data_dir / CHECKSUM_FILE).write_bytes(checksum_lines(data_dir, files).encode("utf-8"))
    return written


__all__ = ["CHECKSUM_FILE", "CLIENT_IDS", "default_data_dir", "generate_all"]
