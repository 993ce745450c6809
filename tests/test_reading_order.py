"""
`nav` in `[tool.site_gen]` sets the reading order: the pages it names come first, in
its order, then every other page in the guides' order; every page exactly once, and a
name that is no page is left out rather than breaking the build.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_gen.config import ConfigError, load
from site_gen.model import Source
from site_gen.navigation import reading_order

NAMES = ["index", "adam", "radam", "lion", "noam", "sub/deep", "sub/index"]


def _document(name: str):
    path = PurePosixPath(f"{name.replace('index', '__init__')}.py")
    source = Source(path=path, url=PurePosixPath(f"{name}.html"), rel=path, kind="python")
    return SimpleNamespace(source=source, sections=[])


DOCUMENTS = [_document(name) for name in NAMES]
URLS = {d.source.url for d in DOCUMENTS}


@given(st.lists(st.sampled_from([*(f"{n}.html" for n in NAMES), "gone.html"]), unique=True))
def test_nav_pages_come_first_then_every_other_page_once(nav: list[str]) -> None:
    order = reading_order(DOCUMENTS, nav)
    assert sorted(order) == sorted(URLS)  # every page once
    listed = [PurePosixPath(u) for u in nav if PurePosixPath(u) in URLS]
    assert order[: len(listed)] == listed
    rest = [u for u in reading_order(DOCUMENTS) if u not in listed]
    assert order[len(listed):] == rest  # the others keep their order


@pytest.mark.parametrize("nav", ['"adam.html"', "[1, 2]", '[""]'])
def test_a_nav_that_is_no_list_of_pages_is_named(tmp_path, nav: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "pyproject.toml").write_text(f'[tool.site_gen]\nnav = {nav}\n[[tool.site_gen.sources]]\ndir = "src"\n')
    with pytest.raises(ConfigError, match="nav must be a list"):
        load(tmp_path)
