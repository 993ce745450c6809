"""`translate update` over any sequence of English edits: it never crashes and never loses a translation."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from site_gen import translate

# Units chosen to collide: a title and its heading, reflowed and near variants
UNITS = ["Adam", "# Adam", "Adam optimizer", "# Adam optimizer", "Adam\noptimizer",
         "The learning rate.", "The learning\nrate.", "The learning rates.", "Bias correction"]


class Updates(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp())
        self.path = self.folder / "ja" / "adam.json"
        self.written: set[str] = set()
        translate.update_table(self.path, [])

    @rule(units=st.lists(st.sampled_from(UNITS), max_size=5))
    def edit_english(self, units: list[str]) -> None:
        translate.update_table(self.path, list(dict.fromkeys(units)))

    @rule(pick=st.integers(0, 20))
    def translate_one(self, pick: int) -> None:
        entries = json.loads(self.path.read_text()) if self.path.exists() else {}
        empty = [english for english, text in entries.items() if not text]
        if empty:
            text = f"訳{len(self.written)}"
            entries[empty[pick % len(empty)]] = text
            self.written.add(text)
            self.path.write_text(translate.dump(entries))

    @invariant()
    def no_translation_is_lost(self) -> None:
        kept = set(translate.load_object(self.path).values())
        kept |= set(translate.load_object(translate.sidecar(self.path, "obsolete")).values())
        assert self.written <= kept


TestUpdates = Updates.TestCase
TestUpdates.settings = settings(max_examples=150, stateful_step_count=12, deadline=None)


def test_a_title_and_its_heading_renamed_and_reverted_restore_once(tmp_path: Path) -> None:
    path = tmp_path / "ja" / "adam.json"
    translate.update_table(path, ["Adam", "# Adam"])
    path.write_text(translate.dump({"Adam": "", "# Adam": "# Adam 法"}))
    translate.update_table(path, ["Adam optimizer", "# Adam optimizer"])
    result = translate.update_table(path, ["Adam", "# Adam"])
    assert result.restored + result.review >= 1
    assert "# Adam 法" in translate.load_object(path).values()
