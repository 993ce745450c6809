"""
# Before and after: adam.html as a reader first sees it

Serves each built site given (`label=folder`) on 127.0.0.1, opens
`optimizers/adam.html` in Debian's Chromium at 1280 and 375 px in the light
theme, and saves what the first screen shows and the whole page in
`test-artifacts/adam-LABEL-WIDTH.png` and `adam-LABEL-WIDTH-full.png`. It prints
how many Tab presses it takes to go round the page at each width (the tab
stops, counted as `tests/test_reading.py` counts them).

    python bench/screenshots.py before=/tmp/old-html after=html
"""

from __future__ import annotations

import argparse
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_browser import ARTIFACTS, CHROMIUM, FLAGS  # noqa: E402 - the browser tests' launch settings
from test_reading import _tab_stops  # noqa: E402

PAGE = "optimizers/adam.html"
WIDTHS = (1280, 375)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("sites", nargs="+", help="label=folder of a built site")
    args = parser.parse_args()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for label, folder in (site.split("=", 1) for site in args.sites):
            httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=folder))
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            try:
                for width in WIDTHS:
                    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="light")
                    page = context.new_page()
                    page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/{PAGE}", wait_until="networkidle")
                    page.screenshot(path=ARTIFACTS / f"adam-{label}-{width}.png")
                    # Rows off screen are laid out only when shown (content-visibility): show them all
                    page.add_style_tag(content="section.row { content-visibility: visible !important; }")
                    page.screenshot(path=ARTIFACTS / f"adam-{label}-{width}-full.png", full_page=True)
                    height = page.evaluate("document.documentElement.scrollHeight")
                    print(f"{label:<8} {width:>5} px: {len(_tab_stops(page)):>4} tab stops, page {height} px tall")
                    context.close()
            finally:
                httpd.shutdown()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
