"""Screenshot of the workshop view as a consultant sees it (for the README), with Playwright.

    python scripts/workshop_screenshot.py                      # berger-haustechnik, 1280x800
    python scripts/workshop_screenshot.py stadtwerke-lindenau --tab 1 --out /tmp/journeys.png

Starts a real ``cxwb workshop`` (``--no-browser``) on a temporary copy of the demo
client's parameter file and data, so nothing is written into the project besides
the PNG; opens the address it prints in headless Chromium of the system
(``/usr/bin/chromium``, or ``CXWB_CHROMIUM``) through Playwright, waits until the
live widgets are rendered and the charts are loaded, optionally clicks a tab of
the workshop widget (and "Bericht erzeugen"), and saves a PNG. Ends ``cxwb`` with
Ctrl+C (SIGINT) as a consultant would. No network besides localhost.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cxlib.resources import PROJECT_DIR

CHROMIUM = os.environ.get("CXWB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
URL = re.compile(r"(http://\S+token=\S+)")

#: The shown layout: images loaded, the view's size (stable once the charts are drawn).
LAYOUT_JS = """() => {
  const view = document.querySelector('.cxws');
  const images = [...view.querySelectorAll('img')].every((i) => i.complete);
  return JSON.stringify([images, view.scrollWidth, view.scrollHeight]);
}"""


def copy_client(client: str, root: Path) -> None:
    """The client's parameter file and data folder, at the same relative places."""
    (root / "parameters").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "parameters" / f"{client}.yaml", root / "parameters")
    shutil.copytree(PROJECT_DIR / "data" / client, root / "data" / client)


def start_workshop(
    client: str, root: Path, lang: str | None, timeout: float = 180
) -> tuple[subprocess.Popen[str], str]:
    """``cxwb workshop`` in ``root`` (its own process group); the process and its address."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "cxlib.cli", "workshop", client, "--no-browser"]
    if lang:
        command += ["--lang", lang]
    process = subprocess.Popen(
        command,
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    output = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        found = URL.search(line)
        if found:
            return process, found.group(1)
    stop_workshop(process)
    raise RuntimeError("cxwb workshop gab keine Adresse aus:\n" + "".join(output))


def stop_workshop(process: subprocess.Popen[str]) -> None:
    """Ctrl+C for ``cxwb``; its whole process group if it does not end."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


def settle(page, timeout: float = 60) -> None:
    """Wait until the charts are loaded and the layout stayed the same for half a second."""
    deadline = time.monotonic() + timeout
    last, same = None, 0
    while same < 5:
        if time.monotonic() > deadline:
            raise RuntimeError("Die Workshop-Ansicht kam nicht zur Ruhe")
        layout = page.evaluate(LAYOUT_JS)
        same = same + 1 if layout == last and json.loads(layout)[0] else 0
        last = layout
        page.wait_for_timeout(100)


def capture(
    client: str,
    out: Path,
    *,
    tab: int | None = None,
    width: int = 1280,
    height: int = 800,
    lang: str | None = None,
    report: bool = False,
) -> Path:
    """Start ``cxwb workshop`` on a copy of ``client``, screenshot the view into ``out``.

    With ``report``, clicks "Bericht erzeugen" (on the tab shown), saves a
    screenshot during the run as ``<out>-progress.png`` and the final one once
    the link (or an error) is shown.
    """
    from playwright.sync_api import sync_playwright

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cxwb-shot-") as tmp:
        root = Path(tmp) / "beratung"
        copy_client(client, root)
        process, url = start_workshop(client, root, lang)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                try:
                    page = browser.new_page(
                        viewport={"width": width, "height": height},
                        locale="en-GB" if lang == "en" else "de-DE",
                    )
                    page.set_default_timeout(120_000)
                    page.goto(url)
                    page.wait_for_selector(".cxws .lm-TabBar-tab")
                    page.wait_for_function(
                        """() => ![...document.querySelectorAll('.jp-OutputArea-output')]
                            .some(e => e.textContent.trim().startsWith('Loading widget'))"""
                    )
                    if tab is not None:
                        page.locator(".cxws .lm-TabBar-tab").nth(tab).click()
                    if report:
                        page.locator(".cxws-report button").first.click()
                        page.locator(".cxws-report").get_by_text(re.compile(r"\d+ s")).wait_for()
                        progress = out.with_name(f"{out.stem}-progress{out.suffix}")
                        page.screenshot(path=str(progress))
                        done = page.locator(".cxws-report a[href], .cxws-report .cxws-error")
                        done.first.wait_for(timeout=300_000)
                        print(f"Bericht: {done.first.inner_text()}")
                    page.mouse.move(0, height - 1)  # no hover effect in the picture
                    settle(page)
                    page.screenshot(path=str(out))
                finally:
                    browser.close()
        finally:
            stop_workshop(process)
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
