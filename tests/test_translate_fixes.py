"""Defects a hostile reviewer found in the translation workflow, each pinned by a test."""

from __future__ import annotations

import json
from pathlib import Path

import polib
from hypothesis import HealthCheck, given, settings, strategies as st

from site_gen import translate
from site_gen.po import export_table, import_po
from pathlib import PurePosixPath

_WORDS = st.text(alphabet="abcdefghij", min_size=3, max_size=7)


def read(path: Path) -> dict[str, str]:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


# --- 1. The English a translation was made from stays recorded until someone confirms it --------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_WORDS, min_size=8, max_size=14), st.lists(st.tuples(st.integers(0, 13), _WORDS), min_size=1, max_size=5))
def test_1_a_translation_is_published_only_for_the_english_it_was_made_from(tmp_path_factory, words, edits) -> None:
    """However many times the English changes before review, the review names the original English."""
    path = tmp_path_factory.mktemp("t") / "page.json"
    original = " ".join(words)
    path.write_text(translate.dump({original: "訳"}), "utf-8")
    current = words
    for index, word in edits:
        current = list(current)
        current[index % len(current)] = word
        english = " ".join(current)
        translate.update_table(path, [english])
        table = translate.load_table(path)
        obsolete = read(translate.sidecar(path, "obsolete"))
        if english == original:
            assert table.get(english) == "訳"
        else:
            assert table.get(english) is None  # never shown as current
        if table.stale(english):
            assert table.review[table.key(english)] == original
        # never lost: the translation is in the table or kept under the English it was made for
        assert table.entries.get(english) == "訳" or obsolete.get(original) == "訳"
