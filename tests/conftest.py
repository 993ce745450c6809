"""Shared test options: `--update-goldens` rewrites expected outputs for review."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "tree"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files from current output")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def bilingual_tree(tmp_path: Path) -> Path:
    """A copy of the fixture tree, built in English and Japanese, with empty tables."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    settings = root / "pyproject.toml"
    settings.write_text(settings.read_text().replace('branch = "trunk"', 'branch = "trunk"\nlanguages = ["en", "ja"]'))
    return root
