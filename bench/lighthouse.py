"""
# Lighthouse scores of the site

Serves `html/` (or `--site`) on 127.0.0.1, gzipped as static hosts do and
uncompressed, runs Lighthouse (the npm package, installed in `bench/node_modules`
by `make lighthouse`) with Debian's Chromium on the home page and the Adam page
in every language, and prints the four category scores.

    python bench/lighthouse.py [--site DIR] [--runs N] [--serving plain gzip] [--json DIR]

Each page is served both uncompressed and gzipped and audited `--runs` times
(3); the table shows the median performance (the figures of each run beside
it) and the lowest of the other scores, and the load average, since a busy
machine lowers performance. Goal: accessibility, best practices and SEO 100;
performance at least 98.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
PAGES = ["index.html", "optimizers/adam.html"]
LANGUAGES = ["", "ja/", "zh/"]
SERVINGS = ("plain", "gzip")
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update " \
        "--disable-sync --no-first-run"


class _Compressing(SimpleHTTPRequestHandler):
    """A static server that gzips text, as every production static host does."""

    compress = True

    def do_GET(self) -> None:  # noqa: N802
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if self.compress and path.suffix in TEXT and path.is_file() and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(path.read_bytes(), mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", TEXT[path.suffix])
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


TEXT = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
        ".svg": "image/svg+xml", ".xml": "application/xml"}


def audit(url: str, chromium: str, keep: Path | None, serving: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
             f"--chrome-flags={FLAGS}", "--only-categories=" + ",".join(CATEGORIES)],
            check=True, env={"CHROME_PATH": chromium, "PATH": "/usr/bin:/bin"},
        )
        data = json.loads(report.read_text())
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(report, keep / (url.split("/", 3)[-1].replace("/", "_") + f".{serving}.json"))
    return data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, help="keep the full reports in this folder")
    parser.add_argument("--site", type=Path, default=ROOT / "html", help="the built site (default: html/)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each page; performance is their median")
    parser.add_argument("--pages", nargs="+", default=PAGES, help="paths below each language's folder")
    parser.add_argument("--serving", choices=SERVINGS, nargs="+", default=list(SERVINGS),
                        help="how files are served (default: both)")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if not chromium or not LIGHTHOUSE.exists():
        print("needs Debian's chromium and `npm install` in bench/ (make lighthouse does both)", file=sys.stderr)
        return 2
    # Performance depends on how busy the machine is: say so beside the figures
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    print(f"{'page':<28} {'served':<6} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}  perf of each run")
    failing = []
    for serving in args.serving:
        handler = type("Handler", (_Compressing,), {"compress": serving == "gzip"})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(args.site)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        try:
            for lang in LANGUAGES:
                for page in args.pages:
                    runs = [audit(base + lang + page, chromium, args.json, serving) for _ in range(args.runs)]
                    scores = {c: [round(100 * r["categories"][c]["score"]) for r in runs] for c in CATEGORIES}
                    # performance: the median run; the others do not vary with load: the worst run
                    shown = [statistics.median_low(scores[c]) if c == "performance" else min(scores[c])
                             for c in CATEGORIES]
                    print(f"{lang + page:<28} {serving:<6} " + " ".join(f"{s:>5}" for s in shown)
                          + "  " + " ".join(map(str, scores["performance"])), flush=True)
                    failing += _below_full_marks(f"{lang + page} ({serving})", runs[-1])
        finally:
            httpd.shutdown()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if failing:
        print("\naudits below full marks (last run):")
        print("\n".join(failing))
    return 0


def _below_full_marks(name: str, data: dict) -> list[str]:
    found = []
    for category in CATEGORIES:
        for ref in data["categories"][category]["auditRefs"]:
            result = data["audits"][ref["id"]]
            if ref["weight"] and result["score"] is not None and result["score"] < 1:
                value = result.get("displayValue", "")
                found.append(f"  {name}: {category}: {result['title']} ({result['score']}{', ' + value if value else ''})")
    return found


if __name__ == "__main__":
    sys.exit(main())
