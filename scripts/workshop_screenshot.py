"""Screenshot of the workshop view in JupyterLab (for the README), with headless Chromium.

    python scripts/workshop_screenshot.py                      # berger-haustechnik
    python scripts/workshop_screenshot.py stadtwerke-lindenau --tab 1 --out /tmp/journeys.png

Starts the workshop's JupyterLab exactly as ``cxwb workshop`` does (localhost,
token, the run's settings), but in a temporary root folder, so nothing is
written into the project besides the PNG. It executes the workshop notebook in
its kernel, opens the notebook in headless Chromium (driven through the
DevTools protocol on a localhost port), waits until the live widgets are
rendered, optionally clicks a tab of the workshop widget, and saves a PNG.
Needs ``chromium`` (see scripts/screenshot.py); no network besides localhost.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshot import FLAGS, find_chromium

from cxlib.resources import PROJECT_DIR
from cxlib.workshop.server import (
    LabServer,
    build_lab_launch,
    execute_in_session,
    free_port,
    write_workshop_notebook,
)

#: True once the workshop widget is on the page and no widget is still loading.
READY_JS = """(() => {
  const app = document.querySelector('.cxws');
  const loading = [...document.querySelectorAll('.jp-OutputArea-output')]
    .some(e => e.textContent.trim().startsWith('Loading widget'));
  return Boolean(app) && !loading;
})()"""

#: Centre of tab ``%d`` of the workshop widget, or null.
TAB_CENTRE_JS = """(() => {
  const tab = document.querySelectorAll('.cxws .lm-TabBar-tab')[%d];
  if (!tab) return null;
  const box = tab.getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
})()"""


#: Centre of the "Bericht erzeugen" button, or null.
REPORT_BUTTON_JS = """(() => {
  const button = document.querySelector('.cxws-report button');
  if (!button || !button.offsetParent) return null;
  const box = button.getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
})()"""
#: The report link once the run is done (or the error text), else null.
REPORT_DONE_JS = """(() => {
  const link = document.querySelector('.cxws-report a[href]');
  const error = document.querySelector('.cxws-report .cxws-error');
  return link ? link.getAttribute('href') : (error ? error.textContent : null);
})()"""


class DevTools:
    """A minimal Chrome DevTools protocol client for one page (over websocket-client)."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [p for p in json.load(r) if p.get("type") == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium DevTools did not answer")
            time.sleep(0.2)
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True
        )
        self.next_id = 0

    def call(self, method: str, **params: object) -> dict:
        """Send one command and return its result (events in between are skipped)."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> object:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def click(self, where_js: str, missing: str) -> None:
        """A real mouse click at the ``[x, y]`` that ``where_js`` returns."""
        point = self.evaluate(where_js)
        if not point:
            raise RuntimeError(missing)
        x, y = point
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def close(self) -> None:
        self.ws.close()


def capture(
    client: str,
    out: Path,
    *,
    tab: int | None = None,
    width: int = 1280,
    height: int = 800,
    lang: str | None = None,
    timeout: float = 90.0,
    report: bool = False,
) -> Path:
    """Start the workshop server, run the notebook, screenshot the view into ``out``.

    With ``report``, clicks "Bericht erzeugen" (on the tab shown), saves a
    screenshot during the run as ``<out>-progress.png`` and the final one once
    the link (or an error) is shown.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cxwb-shot-") as tmp:
        root = Path(tmp) / "root"
        notebook = write_workshop_notebook(client, root / "workshops", lang)
        launch = build_lab_launch(notebook, root_dir=root, run_dir=Path(tmp) / "run")
        with LabServer(launch) as server:
            runs = execute_in_session(server, launch.notebook_path)
            failed = [r.error for r in runs if not r.ok]
            if failed:
                raise RuntimeError(f"Workshop-Notebook fehlgeschlagen: {failed[0]}")
            debug_port = free_port()
            browser = subprocess.Popen(
                [
                    find_chromium(),
                    *FLAGS,
                    f"--user-data-dir={Path(tmp) / 'chromium'}",
                    f"--remote-debugging-port={debug_port}",
                    f"--window-size={width},{height}",
                    "about:blank",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                tools = DevTools(debug_port)
                tools.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                tools.call("Page.enable")
                tools.call("Page.navigate", url=launch.url)
                deadline = time.monotonic() + timeout
                while not tools.evaluate(READY_JS):
                    if time.monotonic() > deadline:
                        raise RuntimeError("Die Workshop-Ansicht ist nicht erschienen")
                    time.sleep(0.5)
                if tab is not None:
                    tools.click(
                        TAB_CENTRE_JS % tab, f"Die Workshop-Ansicht hat keinen Reiter {tab}"
                    )
                if report:
                    tools.click(REPORT_BUTTON_JS, "Kein Knopf „Bericht erzeugen“ sichtbar")
                    time.sleep(6)
                    progress = out.with_name(f"{out.stem}-progress{out.suffix}")
                    shot = tools.call("Page.captureScreenshot", format="png")
                    progress.write_bytes(base64.b64decode(shot["data"]))
                    deadline = time.monotonic() + 300
                    while not (done := tools.evaluate(REPORT_DONE_JS)):
                        if time.monotonic() > deadline:
                            raise RuntimeError("Der Bericht wurde nicht fertig")
                        time.sleep(1)
                    print(f"Bericht: {done}")
                time.sleep(2.5)  # charts and fonts settle
                shot = tools.call("Page.captureScreenshot", format="png")
                out.write_bytes(base64.b64decode(shot["data"]))
                tools.close()
            finally:
                browser.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    browser.wait(10)
                if browser.poll() is None:
                    browser.kill()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("client", nargs="?", default="berger-haustechnik", help="Kunden-ID")
    parser.add_argument(
        "--out", type=Path, default=PROJECT_DIR / "docs" / "workshop-screenshot.png"
    )
    parser.add_argument("--tab", type=int, help="Reiter der Workshop-Ansicht (0 = erster)")
    parser.add_argument("--lang", choices=["de", "en"])
    parser.add_argument(
        "--report", action="store_true", help="„Bericht erzeugen“ klicken (mit --tab des Berichts)"
    )
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    path = capture(
        args.client,
        args.out,
        tab=args.tab,
        width=args.width,
        height=args.height,
        lang=args.lang,
        report=args.report,
    )
    print(f"{path} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
