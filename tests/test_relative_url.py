"""A link between two pages of the site is what `posixpath.relpath` finds, percent-encoded, whatever the paths."""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath
from urllib.parse import quote

from hypothesis import given, settings, strategies as st

from site_gen.files import relative_url

_part = st.sampled_from(["a", "b", "index.html", "a.html", "é", "x y", "a#b.html", "..", ".", "?q", "%20"])
_path = st.lists(_part, max_size=4).map(lambda parts: "/".join(parts) or ".")


@settings(max_examples=500, deadline=None)
@given(target=_path, page=_path.map(lambda folder: f"{folder}/index.html"))
def test_a_link_is_relpath_percent_encoded(target: str, page: str) -> None:
    folder = str(PurePosixPath(page).parent) or "."
    assert relative_url(target, PurePosixPath(page)) == quote(posixpath.relpath(target, folder))
    assert relative_url(PurePosixPath(target), PurePosixPath(page)) == quote(posixpath.relpath(str(PurePosixPath(target)), folder))
