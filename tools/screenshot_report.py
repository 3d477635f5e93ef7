"""Open a claims report in headless Chromium, check its first screen, save a screenshot.

Usage: ``python tools/screenshot_report.py report.html [screenshot.png]``

Checks, in a real browser (Playwright driving Debian's Chromium, ``/usr/bin/chromium`` or
``$CHROMIUM``): the page makes no request other than itself and ``data:`` URLs (it is
self-contained), and the context block (``#context``) and the forest figure (``#forest``)
start within the first screen of a 1280 x 900 window. Exit status 0 when every check
passes; the failures are printed otherwise. ``tests/test_report_page.py`` runs it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

WIDTH, HEIGHT = 1280, 900
# flags that keep Chromium off the network (a closed machine refuses its background calls)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def check(page_path: str | Path, screenshot: str | Path | None = None) -> list[str]:
    """The failed checks of the report at ``page_path`` (empty when it passes)."""
    from playwright.sync_api import sync_playwright

    url = Path(page_path).resolve().as_uri()
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM",
                                                                   "/usr/bin/chromium"),
                                    args=FLAGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url, wait_until="load")
        external = [u for u in requests if u != url and not u.startswith("data:")]
        if external:
            problems.append(f"external requests: {external[:5]}")
        for selector, what in (("#context", "context block"), ("#forest", "forest figure")):
            box = page.evaluate("sel => { const e = document.querySelector(sel);"
                                " if (!e) return null; const r = e.getBoundingClientRect();"
                                " return [r.top, r.height]; }", selector)
            if box is None:
                problems.append(f"no {what} ({selector})")
            elif box[0] >= HEIGHT:
                problems.append(f"the {what} starts at {box[0]:.0f} px, below the first "
                                f"screen ({HEIGHT} px)")
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        browser.close()
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    problems = check(argv[0], argv[1] if len(argv) > 1 else None)
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print("ok: self-contained; context block and forest figure on the first screen")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
