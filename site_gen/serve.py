"""
# Serving while writing

`site-gen serve` builds the site, serves it on 127.0.0.1, watches the sources,
templates, translations and settings, rebuilds (incrementally, through the
cache) when any of them changes, and reloads the pages open in a browser.
Every rebuild reads the settings afresh, so an edit of `pyproject.toml` (a new
title, another language) shows as soon as it is saved.

In: a function that reads the settings. Out: the site in the output folder,
served, and a reload event for open pages after each build.

The reload works through a small script that only this server adds to the
HTML it sends: it listens on `/__reload`, a server-sent-event stream that
announces each finished build. The files in `html/` never contain it.
"""

from __future__ import annotations

import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import watchfiles

from .build import BuildError, Report, build
from .config import Config, ConfigError

RELOAD_PATH = "/__reload"
_RELOAD_SCRIPT = (
    b'<script>new EventSource("' + RELOAD_PATH.encode() + b'").onmessage = () => location.reload();</script>'
)


class Builds:
    """The build counter that open pages wait on."""

    def __init__(self) -> None:
        self.generation = 0
        self._changed = threading.Condition()

    def finished(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wait_after(self, generation: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != generation, timeout)
            return self.generation


class _Handler(SimpleHTTPRequestHandler):
    builds: Builds
    stopping: threading.Event

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path == RELOAD_PATH:
            self._stream_reloads()
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            self._send_page(path)
            return
        super().do_GET()

    def _send_page(self, path: Path) -> None:
        body = path.read_bytes().replace(b"</body>", _RELOAD_SCRIPT + b"</body>", 1)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _stream_reloads(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        generation = self.builds.generation
        try:
            while not self.stopping.is_set():
                now = self.builds.wait_after(generation, timeout=1.0)
                if now != generation:
                    generation = now
                    self.wfile.write(b"data: reload\n\n")
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the builds say what matters


class DevServer:
    """An HTTP server for `config.out` plus a watcher that rebuilds on change."""

    def __init__(self, settings: Callable[[], Config], port: int = 8000, log: Callable[[str], None] = print) -> None:
        self.settings = settings
        self.config = config = settings()
        self.log = log
        self.builds = Builds()
        self.stopping = threading.Event()
        # Set once the watcher is running: an edit made after it will be seen
        self.watching = threading.Event()
        handler = type("Handler", (_Handler,), {"builds": self.builds, "stopping": self.stopping})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(config.out)))
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def rebuild(self) -> Report | None:
        try:
            self.config = self.settings()
            report = build(self.config)
        except (BuildError, ConfigError) as error:
            self.log(f"site-gen: {error}")
            return None
        except KeyboardInterrupt:  # Ctrl-C reached the build's workers: the server is stopping
            return None
        for problem in report.problems:
            self.log(str(problem))
        self.log(f"rebuilt: {report.rendered} rendered, {report.cache_hits} from cache, {report.seconds:.2f}s")
        self.builds.finished()
        return report

    def watched(self) -> list[Path]:
        """
        The project folder, and any input outside it. Folders, not files: an
        editor that saves by replacing a file (vim, `sed -i`, a checkout) and
        a folder created later (the first `translations/`) are seen too.
        """
        inputs = [s.dir for s in self.config.sources] + [self.config.templates, self.config.translations]
        outside = [p for p in inputs if p.exists() and not p.is_relative_to(self.config.root)]
        return [self.config.root, *outside]

    def _ignore(self, change: watchfiles.Change, path: str) -> bool:
        """Keep changes to inputs (as the settings now name them); ignore everything else and editor droppings."""
        config, here = self.config, Path(path)
        if here == config.root / "pyproject.toml":
            return True
        if here.is_relative_to(config.out) or (config.cache and here.is_relative_to(config.cache.parent)):
            return False
        inputs = [s.dir for s in config.sources] + [config.templates, config.translations]
        return any(here.is_relative_to(p) for p in inputs) and watchfiles.DefaultFilter()(change, path)

    def watch(self) -> None:
        # An empty set of changes every so often says the watcher is running
        for changes in watchfiles.watch(*self.watched(), watch_filter=self._ignore, stop_event=self.stopping,
                                        debounce=200, raise_interrupt=False, yield_on_timeout=True, rust_timeout=100):
            self.watching.set()
            if changes:
                self.rebuild()

    def start(self) -> None:
        """Serve and watch in background threads (for tests and for `run`)."""
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        threading.Thread(target=self.watch, daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def run(self) -> None:
        self.rebuild()
        self.start()
        self.log(f"serving {self.config.out} at {self.url} (Ctrl+C to stop)")
        try:
            self.stopping.wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
