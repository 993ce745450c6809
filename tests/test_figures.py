"""
The optimizer pages' figures: the experiment's losses reduced without losing
steps, path data shortened without moving a point by more than rounding, and
every language's digits figure drawn from the saved results, byte for byte
what is committed and light enough for a page.
"""

from __future__ import annotations

import json
import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

figures = pytest.importorskip("labml_nn.optimizers.figures")

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=200), st.integers(min_value=1, max_value=50))
def test_block_means_are_the_means_of_consecutive_steps(losses: list[float], size: int) -> None:
    # Reference: numpy's means of the full blocks, then of the shorter tail
    full = len(losses) // size * size
    expected = list(np.asarray(losses[:full]).reshape(-1, size).mean(axis=1))
    if full < len(losses):
        expected.append(np.mean(losses[full:]))
    got = figures.block_means(losses, size)
    assert len(got) == math.ceil(len(losses) / size)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)


commands = st.sampled_from(["M", "L", "C", "Q", "z"])
coordinates = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).map(lambda x: f"{x:f}".rstrip("0").rstrip("."))


@given(st.lists(st.one_of(commands, coordinates), max_size=60))
def test_shorter_path_moves_no_point_by_more_than_rounding(tokens: list[str]) -> None:
    shorter = figures.shorter_path("  ".join(tokens)).split()
    assert len(shorter) == len(tokens)
    for before, after in zip(tokens, shorter):
        if before.isalpha():
            assert after == before
        else:
            assert abs(float(after) - float(before)) <= 0.05 + 1e-9
            assert "." not in after or len(after.split(".")[1]) == 1


def test_shorter_path_keeps_text_and_attributes_other_than_path_data() -> None:
    svg = '<path d="M 69.601113 285.199576 L 73.061773 -0.04" style="stroke-width: 1.123456"/><text x="1.234567">0.9999</text>'
    out = figures.PATH_DATA.sub(lambda m: m[1] + figures.shorter_path(m[2]) + '"', svg)
    assert out == '<path d="M 69.6 285.2 L 73.1 -0" style="stroke-width: 1.123456"/><text x="1.234567">0.9999</text>'


@pytest.mark.parametrize("lang, word", [("en", "training loss"), ("ja", "学習損失"), ("zh", "训练损失")])
def test_the_committed_digits_figure_is_drawn_from_the_saved_results(tmp_path, lang: str, word: str) -> None:
    results = json.loads(figures.RESULTS.read_text("utf-8"))
    # Every optimizer, every seed, at most POINTS points: the file is the one run the figure shows
    assert set(results["losses"]) == set(figures.mnist_experiment.OPTIMIZERS)
    assert all(len(runs) == len(results["seeds"]) and all(len(r) <= figures.POINTS for r in runs)
               for runs in results["losses"].values())
    figures.use_style()
    suffix = "" if lang == "en" else f".{lang}"
    drawn = tmp_path / f"optimizers_on_digits{suffix}.svg"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")  # the reader's browser draws CJK
        figures.experiment_figure(results, drawn, figures.words(lang))
    svg = drawn.read_bytes()
    # Byte for byte the committed figure: drawing is deterministic, and the figure is up to date
    assert svg == (figures.HERE / f"optimizers_on_digits{suffix}.svg").read_bytes()
    assert len(svg) <= 60_000
    assert word in svg.decode("utf-8")
    # No curve longer than POINTS points: a band is two curves, so at most 2·POINTS + a few vertices
    longest = max(len(re.findall(r"[ML] ", d)) for d in re.findall(r' d="([^"]*)"', svg.decode("utf-8")))
    assert longest <= 2 * figures.POINTS + 4
