"""`site-gen serve`: pages served locally, rebuilt and reloaded when a source or the settings change."""

from __future__ import annotations

import queue
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

from site_gen.config import load
from site_gen.serve import RELOAD_PATH, DevServer

FIXTURE = Path(__file__).parent / "fixtures" / "tree"


@pytest.fixture
def served(tmp_path: Path):
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    server = DevServer(lambda: load(root, out=tmp_path / "html"), port=0, log=lambda line: None)
    server.rebuild()
    server.start()
    # Reload events, in order, as the page's EventSource would receive them
    events: queue.Queue[str] = queue.Queue()
    stream = urllib.request.urlopen(server.url + RELOAD_PATH.lstrip("/"), timeout=30)

    def listen() -> None:
        for line in stream:
            if line.startswith(b"data:"):
                events.put(line.decode().strip())

    threading.Thread(target=listen, daemon=True).start()
    assert server.watching.wait(timeout=30)  # edits from now on are seen (the timeout only bounds a hang)
    try:
        yield root, server, events
    finally:
        server.stop()


def fetch(server: DevServer, path: str) -> str:
    return urllib.request.urlopen(server.url + path, timeout=10).read().decode()


def test_serves_rebuilds_and_announces_reloads(served, tmp_path: Path) -> None:
    root, server, events = served
    page = fetch(server, "model.html")
    assert "A model" in page and RELOAD_PATH in page
    assert RELOAD_PATH not in (tmp_path / "html" / "model.html").read_text()  # only the server adds it
    source = root / "pkg" / "model.py"
    source.write_text(source.read_text().replace("# A model", "# A renamed model"))
    assert events.get(timeout=30) == "data: reload"
    assert "A renamed model" in fetch(server, "model.html")


def test_a_change_of_settings_is_read_again(served) -> None:
    root, server, events = served
    settings = root / "pyproject.toml"
    settings.write_text(settings.read_text().replace('title = "Fixture site"', 'title = "Renamed site"'))
    assert events.get(timeout=30) == "data: reload"
    assert "<title>plain · Renamed site</title>" in fetch(server, "sub/plain.html")


def test_settings_replaced_by_a_rename_are_read_again(served) -> None:
    root, server, events = served
    settings = root / "pyproject.toml"
    replacement = root / "pyproject.toml.new"  # as vim, `sed -i` and a checkout save: a new file renamed over
    replacement.write_text(settings.read_text().replace('title = "Fixture site"', 'title = "Replaced site"'))
    replacement.replace(settings)
    assert events.get(timeout=30) == "data: reload"
    assert "Replaced site" in fetch(server, "sub/plain.html")
    settings.write_text(settings.read_text().replace("Replaced site", "Replaced twice"))  # and still watched
    assert events.get(timeout=30) == "data: reload"
    assert "Replaced twice" in fetch(server, "sub/plain.html")


def test_a_translations_folder_created_after_the_start_is_watched(served) -> None:
    root, server, events = served
    settings = root / "pyproject.toml"
    settings.write_text(settings.read_text().replace('branch = "trunk"', 'branch = "trunk"\nlanguages = ["en", "ja"]'))
    assert events.get(timeout=30) == "data: reload"
    assert not (root / "translations").exists()
    table = root / "translations" / "ja" / "model.json"
    table.parent.mkdir(parents=True)
    table.write_text('{"# A model": "# 新しいモデル"}')
    assert events.get(timeout=30) == "data: reload"
    assert "新しいモデル" in fetch(server, "ja/model.html")


def test_files_outside_the_inputs_do_not_rebuild(served) -> None:
    import watchfiles

    root, server, _ = served
    assert not server._ignore(watchfiles.Change.modified, str(root / "notes.txt"))
    assert not server._ignore(watchfiles.Change.added, str(server.config.out / "model.html"))
    assert server._ignore(watchfiles.Change.added, str(root / "pkg" / "new.py"))
    assert server._ignore(watchfiles.Change.added, str(root / "pyproject.toml"))
