"""
# Benchmark: cold, no-op and one-file-edit builds of this site

Copies the project's inputs (sources, templates, translations, settings) into a
temporary folder and times `site-gen build` there as a user runs it, a fresh
process each time, in three languages:

* **cold**: no cache, no output folder;
* **no-op**: nothing changed since the last build;
* **one-file edit**: one optimizer source changed (its pages in every language
  are rebuilt).

    python bench/rebuild.py [--repeat 5]

Prints the median wall time and the largest peak memory of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_GEN = Path(sys.executable).parent / "site-gen"
INPUTS = ["labml_nn", "site_gen", "templates", "translations", "pyproject.toml"]


def run(project: Path, *extra: str) -> tuple[float, float]:
    started = time.perf_counter()
    process = subprocess.Popen([str(SITE_GEN), "build", "--root", str(project), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("build failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        for name in INPUTS:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, project / name)
        edited = project / "labml_nn" / "optimizers" / "adam.py"
        original = edited.read_text()
        results: dict[str, list[tuple[float, float]]] = {"cold": [], "no-op": [], "one-file edit": []}
        for attempt in range(args.repeat):
            shutil.rmtree(project / "html", ignore_errors=True)
            shutil.rmtree(project / ".site_gen_cache", ignore_errors=True)
            results["cold"].append(run(project))
            results["no-op"].append(run(project))
            # A real edit: a changed comment, so the page's prose and code both change
            edited.write_text(original.replace("# $t \\leftarrow t + 1$", f"# $t \\leftarrow t + 1$ (edit {attempt})"))
            results["one-file edit"].append(run(project))
            edited.write_text(original)
            run(project)
        pages = sum(1 for _ in (project / "html").rglob("*.html"))
        print(f"this site: {pages} HTML files in 3 languages, {args.repeat} runs each")
        for name, runs in results.items():
            median = statistics.median(t for t, _ in runs)
            peak = max(m for _, m in runs)
            print(f"  {name:<14} {median:6.3f} s   peak {peak:5.0f} MB")


if __name__ == "__main__":
    main()
