"""``python -m cxlib.demo [--out DIR]``: regenerate the demo clients' data."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cxlib.demo import CHECKSUM_FILE, default_data_dir, generate_all


def main(argv: list[str] | None = None) -> int:
    """Write the demo data and list the files with their sizes."""
    parser = argparse.ArgumentParser(
        prog="python -m cxlib.demo",
        description="Demo-Kundendaten deterministisch neu erzeugen (synthetisch).",
    )
    parser.add_argument(
        "--out", type=Path, default=default_data_dir(), help="Zielordner (Standard: data/)"
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    out = args.out.resolve()
    written = generate_all(out)
    for client, paths in written.items():
        print(f"{client}:")
        for path in paths:
            size = path.stat().st_size
            print(f"  {path.relative_to(out).as_posix():55s} {size / 1024:9.1f} KiB")
    print(f"{CHECKSUM_FILE} geschrieben; {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
