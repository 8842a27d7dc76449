"""Click where a person clicks in a running workshop, in a real browser, and say what happened.

Checks the trap of issue 16: JupyterLab's output prompt overlay ("Collapse Output") lay over
the radio buttons, so a click at a button's centre recorded nothing and collapsed the view
into a scroll box. For each of the first radio buttons this prints the element at its
centre (it must be the INPUT itself), clicks the first one and reports whether it is
checked and whether any output area collapsed.

Needs Playwright for Python and Debian's chromium (browser downloads fail here)::

    python -m venv /tmp/pw && /tmp/pw/bin/pip install playwright
    apt-get install -y chromium
    cd <a copy of the client's files> && cxwb workshop <client> --no-browser > ws.log &
    /tmp/pw/bin/python scripts/workshop_browser_check.py ws.log

Clicking changes the client's answers file: run it on a copy, never on real client data.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AT_POINT = "([x, y]) => { const e = document.elementFromPoint(x, y); return e ? e.tagName : null }"


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path, help="the output of `cxwb workshop … --no-browser`")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    found = re.search(r"(http://\S+token=\S+)", args.log.read_text(encoding="utf-8"))
    if not found:
        print(f"no workshop URL in {args.log}", file=sys.stderr)
        return 2
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(found.group(1))
        page.wait_for_selector(".widget-radio-box input", timeout=120_000)
        time.sleep(2)
        radios = page.query_selector_all(".widget-radio-box input[type=radio]")[:6]
        centres = []
        for radio in radios:
            box = radio.bounding_box()
            if box:
                centres.append((box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
        hits = [page.evaluate(AT_POINT, list(centre)) for centre in centres]
        page.mouse.click(*centres[0])
        time.sleep(2)
        checked = radios[0].is_checked()
        collapsed = len(page.query_selector_all(".jp-mod-outputsScrolled"))
        browser.close()
    print(f"element at the centre of {len(hits)} radio buttons: {hits}")
    print(f"first button checked after the click: {checked}; collapsed outputs: {collapsed}")
    ok = all(hit == "INPUT" for hit in hits) and checked and collapsed == 0
    print("ok" if ok else "TRAP: a click at a button's centre does not reach the button")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
