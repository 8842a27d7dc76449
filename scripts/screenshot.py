"""Screenshot (PNG) or print (PDF) an HTML file with headless Chromium, for checking reports.

    python scripts/screenshot.py reports/x/report.html /tmp/report.png
    python scripts/screenshot.py reports/x/report.html /tmp/report.pdf   # A4 print via @page

The screenshot shows the top of the page at A4 proportions (1240 × 1754 px);
``--height`` makes it taller to see more. Needs ``chromium``
(``apt-get install -y chromium``). Chromium starts offline-quiet with a fresh
profile that is removed afterwards.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from cxlib.report.pdf import FLAGS, find_engine


def find_chromium() -> str:
    """The Chromium the report's PDF step uses (:func:`cxlib.report.pdf.find_engine`), or exit."""
    path = find_engine()
    if path is None:
        sys.exit("Chromium nicht gefunden: bitte `apt-get install -y chromium` ausführen.")
    return path


def capture(
    html: Path, out: Path, width: int = 1240, height: int = 1754, timeout: int = 60
) -> Path:
    """Write a PNG screenshot or, if ``out`` ends in .pdf, a printed PDF of ``html``."""
    html, out = html.resolve(), out.resolve()
    if not html.is_file():
        sys.exit(f"Datei nicht gefunden: {html}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cx-chromium-") as profile:
        args = [find_chromium(), *FLAGS, f"--user-data-dir={profile}"]
        if out.suffix.lower() == ".pdf":
            args.append(f"--print-to-pdf={out}")  # FLAGS leave out the header and footer
        else:
            args += [f"--screenshot={out}", f"--window-size={width},{height}"]
        args.append(html.as_uri())
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0 or not out.is_file():
        sys.exit(f"Chromium ist fehlgeschlagen ({result.returncode}):\n{result.stderr[-2000:]}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="HTML-Datei")
    parser.add_argument("out", type=Path, help="Ziel: .png (Bildschirmfoto) oder .pdf (Druck)")
    parser.add_argument("--width", type=int, default=1240)
    parser.add_argument("--height", type=int, default=1754)
    args = parser.parse_args(argv)
    print(capture(args.html, args.out, args.width, args.height))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
