"""The "Bericht erzeugen" button of the workshop: the client's full report, from inside JupyterLab.

    from cxlib.workshop.report_button import report_button
    report_button("parameters/berger-haustechnik.yaml", "de")   # a displayable widget

A click runs :func:`cxlib.runner.run.run_client` in a background thread, so the
kernel keeps serving the other widgets while the run starts its own kernel and
executes the analysis notebooks. Every second the status line shows the
elapsed seconds and how many report sections are done; at the end it shows a
link to ``report.html`` or, for problems a user can fix (a
:class:`~cxlib.exceptions.CXError`, e.g. a broken data file), the plain
message, never a traceback.

The link: when ``cxwb workshop`` started the server, it tells the kernel the
server's root folder and base URL (environment variables :data:`ROOT_ENV` and
:data:`BASE_URL_ENV`), and a report inside that folder is linked through the
server's ``/files/`` URL (opens in a new browser tab). Otherwise the link is a
``file://`` address and the path is shown as text.
"""

from __future__ import annotations

import html
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import ipywidgets as w

from cxlib.exceptions import CXError
from cxlib.resources import default_dir
from cxlib.texts import t

__all__ = [
    "BASE_URL_ENV",
    "REPORTS_ENV",
    "ROOT_ENV",
    "ReportButton",
    "default_reports_dir",
    "report_button",
    "report_href",
]

#: The Jupyter server's root folder (set by ``cxwb workshop`` for its kernels).
ROOT_ENV = "CXWB_WORKSHOP_ROOT"
#: The Jupyter server's base URL, ``/`` unless configured otherwise.
BASE_URL_ENV = "CXWB_WORKSHOP_BASE_URL"
#: Where the workshop writes reports (``cxwb workshop`` sets ``<folder>/reports``).
REPORTS_ENV = "CXWB_REPORTS_DIR"

log = logging.getLogger("cxlib.workshop.report_button")

#: A function with the signature of :func:`cxlib.runner.run.run_client`.
Runner = Callable[..., Any]


def default_reports_dir() -> Path:
    """Where reports go: ``$CXWB_REPORTS_DIR``, else :func:`cxlib.resources.default_dir`."""
    folder = os.environ.get(REPORTS_ENV)
    return Path(folder).expanduser().resolve() if folder else default_dir("reports")


def report_href(report: str | Path) -> str:
    """The link to ``report``: the server's ``/files/`` URL when it lies under its root.

    Falls back to a ``file://`` URL (browsers may block those from an http
    page, which is why the path is shown beside the link as well).
    """
    path = Path(report).resolve()
    root = os.environ.get(ROOT_ENV)
    if root:
        try:
            relative = path.relative_to(Path(root).expanduser().resolve())
        except ValueError:
            pass
        else:
            base = os.environ.get(BASE_URL_ENV, "/")
            base = base if base.endswith("/") else base + "/"
            return f"{base}files/{quote(relative.as_posix())}"
    return path.as_uri()


def _sections_done(out_dir: Path, client_id: str | None) -> int:
    """Report sections a running run has written so far (0 when not known)."""
    if not client_id:
        return 0
    return sum(1 for _ in out_dir.glob(f".{client_id}.tmp-*/sections/*.json"))


def _client_id(params_file: Path) -> str | None:
    from cxlib.parameters.files import find_parameters, load_parameters

    try:
        return load_parameters(find_parameters(params_file)).client.id
    except CXError:
        return None  # the run itself reports the problem


class ReportButton(w.VBox):
    """Button, hint and status line; a click produces the client's report in the background.

    ``runner`` replaces :func:`cxlib.runner.run.run_client` (same signature), ``tick``
    is the seconds between status updates. After a run, :attr:`result` holds
    the :class:`~cxlib.runner.run.RunResult` or :attr:`error` the message shown.
    """

    def __init__(
        self,
        params_file: str | Path,
        lang: str = "de",
        *,
        out_dir: str | Path | None = None,
        runner: Runner | None = None,
        tick: float = 1.0,
    ) -> None:
        self.params_file = Path(params_file)
        self.lang = lang
        self.out_dir = Path(out_dir).expanduser().resolve() if out_dir else default_reports_dir()
        self.runner = runner
        self.tick = tick
        self.result: Any = None
        self.error: str | None = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self.button = w.Button(
            description=t("workshop_server.report.button", lang),
            icon="file-text",
            button_style="primary",
            layout=w.Layout(width="auto", align_self="flex-start", padding="0 1.5em"),
        )
        self.hint = w.HTML(f"<p>{html.escape(t('workshop_server.report.hint', lang))}</p>")
        self.status = w.HTML()
        self.button.on_click(lambda _button: self.start())
        super().__init__([self.hint, self.button, self.status])
        self.add_class("cxws-report")

    @property
    def running(self) -> bool:
        """True while a run is under way."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Start a run in the background; False if one is already running."""
        if self.running:
            return False
        self.result, self.error = None, None
        self.button.disabled = True
        self._done.clear()
        started = time.monotonic()
        self._show_progress(0.0, 0)
        self._thread = threading.Thread(
            target=self._work, args=(started,), name="cxwb-report", daemon=True
        )
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end; True if it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _work(self, started: float) -> None:
        client_id = _client_id(self.params_file)
        ticker = threading.Thread(
            target=self._ticker, args=(started, client_id), name="cxwb-report-ticker", daemon=True
        )
        ticker.start()
        result, error, internal = None, None, None
        try:
            from cxlib.runner.run import run_client, skip_slow_imports

            skip_slow_imports()
            runner = self.runner or run_client
            result = runner(self.params_file, out_dir=self.out_dir, lang=self.lang)
        except CXError as exc:
            error = str(exc).strip()
        except Exception as exc:  # a bug: the message names it, the log keeps the traceback
            log.exception("report run failed")
            internal = type(exc).__name__
        finally:
            self._done.set()
            ticker.join()  # no progress update may overwrite the outcome
        if error is not None:
            self.error = t("workshop_server.report.failed", self.lang, message=error)
            self.status.value = f'<pre class="cxws-error">{html.escape(self.error)}</pre>'
        elif internal is not None:
            self.error = t("workshop_server.report.internal", self.lang, name=internal)
            self.status.value = f'<p class="cxws-error">{html.escape(self.error)}</p>'
        else:
            self.result = result
            self._show_done(result.report, time.monotonic() - started)
        self.button.disabled = False

    def _ticker(self, started: float, client_id: str | None) -> None:
        while not self._done.wait(self.tick):
            self._show_progress(time.monotonic() - started, _sections_done(self.out_dir, client_id))

    def _show_progress(self, seconds: float, sections: int) -> None:
        from cxlib.report.section import SECTION_ORDER

        text = t("workshop_server.report.running", self.lang, seconds=f"{seconds:.0f}")
        if sections:
            done = t(
                "workshop_server.report.sections",
                self.lang,
                done=str(sections),
                total=str(len(SECTION_ORDER)),
            )
            text = f"{text} · {done}"
        self.status.value = (
            f'<p><i class="fa fa-spinner fa-spin" aria-hidden="true"></i> {html.escape(text)}</p>'
        )

    def _show_done(self, report: Path, seconds: float) -> None:
        done = t("workshop_server.report.done", self.lang, seconds=f"{seconds:.0f}")
        label = t("workshop_server.report.open", self.lang)
        href = report_href(report)
        self.status.value = (
            f'<p class="cxws-status-ok">{html.escape(done)} '
            f'<a href="{html.escape(href)}" target="_blank" rel="noopener" '
            f'style="color: #1565c0; text-decoration: underline">{html.escape(label)}</a>'
            f"</p><p><code>{html.escape(str(report))}</code></p>"
        )


def report_button(
    params_file: str | Path,
    lang: str = "de",
    *,
    out_dir: str | Path | None = None,
    runner: Runner | None = None,
) -> ReportButton:
    """The "Bericht erzeugen" widget for one client's parameter file (or client id).

    Reports go to ``out_dir`` (default: :func:`default_reports_dir`).
    """
    return ReportButton(params_file, lang, out_dir=out_dir, runner=runner)
