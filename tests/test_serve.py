"""`site-gen serve`: pages served locally, rebuilt and reloaded when a source changes."""

from __future__ import annotations

import shutil
import threading
import time
import urllib.request
from pathlib import Path

from site_gen.config import load
from site_gen.serve import RELOAD_PATH, DevServer

FIXTURE = Path(__file__).parent / "fixtures" / "tree"


def test_serves_rebuilds_and_announces_reloads(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    server = DevServer(load(root, out=tmp_path / "html"), port=0, log=lambda line: None)
    server.rebuild()
    server.start()
    try:
        page = urllib.request.urlopen(server.url + "model.html", timeout=10).read().decode()
        assert "A model" in page and RELOAD_PATH in page
        assert RELOAD_PATH not in (tmp_path / "html" / "model.html").read_text()  # only the server adds it

        events: list[str] = []
        stream = urllib.request.urlopen(server.url + RELOAD_PATH.lstrip("/"), timeout=30)

        def listen() -> None:
            for line in stream:
                if line.startswith(b"data:"):
                    events.append(line.decode().strip())
                    return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        time.sleep(0.5)  # let the watcher settle before the edit
        source = root / "pkg" / "model.py"
        source.write_text(source.read_text().replace("# A model", "# A renamed model"))
        listener.join(timeout=30)
        assert events == ["data: reload"]
        page = urllib.request.urlopen(server.url + "model.html", timeout=10).read().decode()
        assert "A renamed model" in page
    finally:
        server.stop()
