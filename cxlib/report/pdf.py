"""The printed report: ``report.pdf`` beside ``report.html``, printed by headless Chromium.

Clients forward the report by e-mail and print it; the PDF is the same HTML
printed to A4 by the browser engine the consultant also looks at it with, so
screen and paper never differ in content. The page size, margins, page numbers
and running footer come from the report's print CSS (``@page`` in
``report.css``); Chromium draws the charts (SVG) as vectors.

Why Chromium and not WeasyPrint: the report's layout (flex and grid on the
cover, the summary) is what Chromium shows on screen, so the PDF cannot differ
from what the consultant checked; the project already uses Debian's Chromium
for screenshots and browser checks; one print takes 2-4 s per demo report
(measured in a batch run); WeasyPrint would be another dependency with its own
layout engine (not measured here).
Without Chromium the run still writes the HTML report, and :func:`write_pdf`
says plainly why the PDF is missing (:class:`PdfOutcome.reason`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cxlib.texts import t

__all__ = ["ENGINES", "PdfOutcome", "find_engine", "pdf_requested", "write_pdf"]

#: Chromium's names on Debian/Ubuntu, macOS Homebrew and Google's builds, tried in order.
ENGINES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: ``CXWB_PDF=1`` asks every run (also a batch's workers) for a PDF; ``cxwb run --pdf`` sets it.
ENV_VARIABLE = "CXWB_PDF"
#: Chromium without anything that reaches the network or leaves state behind.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--no-pdf-header-footer",
)
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class PdfOutcome:
    """What became of the PDF: its path, or why there is none (a sentence for the user)."""

    path: Path | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when the PDF was written."""
        return self.path is not None


def pdf_requested(parameter: bool) -> bool:
    """Whether a run writes the PDF: the parameter ``branding.pdf`` or ``CXWB_PDF=1``."""
    return parameter or os.environ.get(ENV_VARIABLE, "").strip() in ("1", "true", "yes")


def find_engine() -> str | None:
    """The path of a Chromium/Chrome binary (``$CXWB_CHROMIUM`` first), or None."""
    explicit = os.environ.get("CXWB_CHROMIUM")
    if explicit:
        return shutil.which(explicit)
    for name in ENGINES:
        path = shutil.which(name)
        if path:
            return path
    return None


def write_pdf(html: Path, pdf: Path, lang: str = "de", engine: str | None = None) -> PdfOutcome:
    """Print ``html`` to ``pdf`` (A4, page numbers, as the report's print CSS says).

    Never raises for a missing or failing engine: the report is the HTML, the
    PDF a convenience; the outcome's ``reason`` says in plain words what is
    missing and how to install it.
    """
    engine = engine or find_engine()
    if engine is None:
        return PdfOutcome(None, t("report.pdf.no_engine", lang))
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="cx-pdf-") as profile:
        args = [
            engine,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ]
        try:
            result = subprocess.run(
                args, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return PdfOutcome(None, t("report.pdf.failed", lang, detail=type(exc).__name__))
    if result.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        detail = (result.stderr or "").strip().splitlines()[-1:] or [str(result.returncode)]
        return PdfOutcome(None, t("report.pdf.failed", lang, detail=detail[0][:200]))
    return PdfOutcome(pdf)
