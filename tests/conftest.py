"""Shared test options: `--update-goldens` rewrites expected outputs for review."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# No test waits on the wall clock: Hypothesis's per-example deadline is a timing assertion that a busy
# machine fails (a KaTeX error costs a fresh engine process), so it is off everywhere
settings.register_profile("site-gen", deadline=None)
settings.load_profile("site-gen")

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "tree"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files from current output")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def compare_golden(expected: Path, actual: str, update: bool) -> None:
    """
    `actual` must equal the reviewed golden file. Only `--update-goldens`
    writes one: a missing golden file fails, it never writes itself.
    """
    if update:
        expected.write_text(actual)
    assert expected.exists(), f"{expected} is missing: run pytest --update-goldens and review the new file"
    assert actual == expected.read_text()


@pytest.fixture
def bilingual_tree(tmp_path: Path) -> Path:
    """A copy of the fixture tree, built in English and Japanese, with empty tables."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    settings = root / "pyproject.toml"
    settings.write_text(settings.read_text().replace('branch = "trunk"', 'branch = "trunk"\nlanguages = ["en", "ja"]'))
    return root


@pytest.fixture(scope="session")
def math_fonts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of subset math fonts for the whole run: subsetting takes seconds, and depends on no test."""
    return tmp_path_factory.mktemp("math-fonts")


@pytest.fixture(autouse=True)
def user_cache_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                      math_fonts: Path) -> Path:
    """
    Builds with no project keep their cache and locks in the user's cache
    folder: a temporary one here. And builds start cold, leaving no warm
    builder behind, but in the tests of warm builds (`test_warm.py`).
    """
    folder = tmp_path_factory.mktemp("user-cache")
    (folder / "site-gen").mkdir()
    (folder / "site-gen" / "fonts").symlink_to(math_fonts)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.setenv("SITE_GEN_WARM", "0")
    return folder
