r"""
---
title: Figures of the optimizer pages
summary: Draws the learning-rate schedules, RAdam's r_t, Adam and AMSGrad on Reddi et al.'s counterexample, and the training losses of every optimizer on scikit-learn's digits, as SVG files next to the sources.
---

# Figures

`make figures` runs this script, which draws the figures shown on the
optimizer pages as SVG files beside the sources. The curves come from the
optimizers' own code (`get_lr`, `rectification`, the
[AMSGrad counterexample](amsgrad.py) and the
[experiment](mnist_experiment.py)), not from a second copy of the formulas,
so a figure cannot drift from what the code does.

The files are reproducible: matplotlib is told not to stamp a date and to use
a fixed seed for the ids inside the SVG, and the experiment runs with fixed
seeds on one thread, so redrawing unchanged code leaves the files unchanged.
The experiment uses scikit-learn's digits, which ship with the package, so the
figure can be redrawn without a network connection.

Each figure is drawn once per language of the site. Its words are marked
`_("…")`, so they are units of this page's translation tables; the Japanese
figure (`lr_schedules.ja.svg`) takes them from `translations/ja`, and the
Japanese pages show it in place of the English one. The experiment behind
the loss curves trains every optimizer once; its results are then drawn in
every language.
"""

from __future__ import annotations

import warnings
from pathlib import Path, PurePosixPath
from typing import Callable

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from labml_nn.optimizers import mnist_experiment  # noqa: E402
from labml_nn.optimizers.adam_warmup import AdamWarmup  # noqa: E402
from labml_nn.optimizers.adam_warmup_cosine_decay import AdamWarmupCosineDecay  # noqa: E402
from labml_nn.optimizers.noam import Noam  # noqa: E402
from labml_nn.optimizers.amsgrad import counterexample  # noqa: E402
from labml_nn.optimizers.radam import rectification  # noqa: E402
from site_gen.config import load  # noqa: E402
from site_gen.translate import load_table, table_path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# The words of a figure in one language: English → what to draw
Words = Callable[[str], str]


def schedule(optimizer: torch.optim.Optimizer, steps: range) -> list[float]:
    """The learning rate the optimizer would use at each step."""
    group = optimizer.param_groups[0]
    return [optimizer.get_lr({"step": t}, group) for t in steps]


def learning_rate_figure(path: Path, _: Words = str) -> None:
    """Three panels: warm-up, warm-up with cosine decay, and Noam for three model widths."""
    # A single parameter is enough to build an optimizer and ask it for rates
    param = [torch.nn.Parameter(torch.zeros(1))]
    steps = range(1, 10_001)
    # One panel under another: the page shows figures in a column about 5 inches wide
    figure, axes = plt.subplots(3, 1, figsize=(5.5, 9), constrained_layout=True)

    # Warm-up over 1,000 steps
    axes[0].plot(steps, schedule(AdamWarmup(param, lr=1e-3, warmup=1000), steps))
    axes[0].set_title(_("Warm-up (w = 1,000)"))

    # Warm-up then cosine decay to zero at T = 10,000
    axes[1].plot(steps, schedule(AdamWarmupCosineDecay(param, lr=1e-3, warmup=1000, total_steps=10_000), steps))
    axes[1].set_title(_("Warm-up and cosine decay (T = 10,000)"))

    # Noam for several model widths
    for d_model in (256, 512, 1024):
        axes[2].plot(steps, schedule(Noam(param, lr=1.0, warmup=4000, d_model=d_model), steps),
                     label=f"d_model = {d_model}")
    axes[2].set_title(_("Noam (w = 4,000)"))
    axes[2].legend()

    for ax in axes:
        ax.set_ylabel(_("learning rate"))
        ax.grid(alpha=0.3)
    axes[2].set_xlabel(_("step t"))
    save(figure, path)


def radam_figure(path: Path, _: Words = str) -> None:
    r"""RAdam's $r_t$ for several $\beta_2$: the larger $\beta_2$, the longer the implicit warm-up."""
    figure, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    steps = range(1, 100_001)
    for beta2 in (0.9, 0.99, 0.999, 0.9999):
        # $r_t$ is undefined (no rectified step) while $\rho_t \le 5$
        values = [rectification(beta2, t) for t in steps]
        ax.plot([t for t, r in zip(steps, values) if r is not None], [r for r in values if r is not None],
                label=f"β₂ = {beta2}")
    ax.set_xscale("log")
    ax.set_xlabel(_("step t"))
    ax.set_ylabel("r_t")
    ax.set_title(_("RAdam's rectification term"))
    ax.grid(alpha=0.3)
    ax.legend()
    save(figure, path)


def counterexample_figure(path: Path, _: Words = str) -> None:
    r"""$\theta_t$ of Adam and AMSGrad on Reddi et al.'s sequence of linear losses."""
    figure, ax = plt.subplots(figsize=(5.5, 3.8), constrained_layout=True)
    for amsgrad, label in ((False, "Adam"), (True, "AMSGrad")):
        path_taken = counterexample(amsgrad=amsgrad)
        ax.plot(range(1, len(path_taken) + 1), path_taken, label=label, linewidth=1)
    ax.axhline(-1.0, color="grey", linestyle="--", linewidth=0.8, label=_("best point, θ = −1"))
    ax.set_xticks(range(0, len(path_taken) + 1, 5000))
    ax.set_xlabel(_("step t"))
    ax.set_ylabel("θ_t")
    ax.set_ylim(-1.05, 1.05)
    ax.set_title(_("f_t(θ) = 1010 θ once in 101 steps,\nelse −10 θ"))
    ax.grid(alpha=0.3)
    ax.legend(loc="center right")
    save(figure, path)


# The experiment behind the loss curves: every optimizer, three seeds, ten epochs of the digits
SEEDS = (0, 1, 2)
EPOCHS = 10
BATCH_SIZE = 32


def smooth(values: torch.Tensor, beta: float = 0.9) -> torch.Tensor:
    """An exponential moving average along the last axis, bias-corrected so that it starts at the first value."""
    out = torch.empty_like(values)
    running = torch.zeros_like(values[..., 0])
    for t in range(values.shape[-1]):
        running = beta * running + (1 - beta) * values[..., t]
        out[..., t] = running / (1 - beta ** (t + 1))
    return out


def experiment_curves() -> dict[str, torch.Tensor]:
    """Each optimizer's smoothed training losses, one row per seed: trained once, drawn in every language."""
    train_data, test_data = mnist_experiment.load_digits()
    torch.set_num_threads(1)
    curves = {}
    for name in mnist_experiment.OPTIMIZERS:
        runs = [mnist_experiment.train(name, train_data, test_data, EPOCHS, BATCH_SIZE, seed, progress=False)
                for seed in SEEDS]
        curves[name] = smooth(torch.tensor([run.losses for run in runs]))
    return curves


def experiment_figure(path: Path, curves: dict[str, torch.Tensor], _: Words) -> None:
    """Small multiples: each optimizer's smoothed training loss, mean and range over the seeds, with Adam for reference."""
    # Two panels a row, to fit the page's column; the tenth slot stays empty
    figure, axes = plt.subplots(5, 2, figsize=(5.5, 11), sharex=True, sharey=True, constrained_layout=True)
    axes[-1, -1].set_axis_off()
    for ax, (name, losses) in zip(axes.flat, curves.items()):
        steps = range(1, losses.shape[1] + 1)
        ax.plot(steps, curves["adam"].mean(0), color="grey", linewidth=0.8, label="adam (mean)")
        ax.fill_between(steps, losses.min(0).values, losses.max(0).values, alpha=0.3, color="C0")
        ax.plot(steps, losses.mean(0), color="C0", label=f"{name} (mean)")
        ax.set_title(name)
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel(_("step"))
    axes[-2, 1].set_xlabel(_("step"))
    axes[-2, 1].xaxis.set_tick_params(labelbottom=True)
    for ax in axes[:, 0]:
        ax.set_ylabel(_("loss"))
    figure.suptitle(_("Training loss on scikit-learn's digits (8×8)") + "\n"
                    + f"{len(SEEDS)} " + _("seeds: mean, min–max shaded; grey: Adam"))
    save(figure, path)


def save(figure: plt.Figure, path: Path) -> None:
    """Write an SVG without a date, so that the file only changes when the curves do."""
    plt.rcParams["svg.hashsalt"] = "labml_nn"
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)
    print(f"wrote {path}")


def words(lang: str) -> Words:
    """This page's translations in `lang` (English where a word is untranslated or awaits review)."""
    config = load(ROOT)
    if lang == config.default_language:
        return str
    rel = PurePosixPath(HERE.name, Path(__file__).name)  # optimizers/figures.py, as in the source folder
    table = load_table(table_path(config.translations, lang, rel))
    return lambda english: table.get(english) or english


def main() -> None:
    """Draw every figure of the optimizer pages, in every language of the site."""
    # Text stays text (readable at any zoom, findable); 12 pt keeps tick labels legible on a phone
    plt.rcParams.update({"font.size": 12, "svg.fonttype": "none"})
    config = load(ROOT)
    curves = experiment_curves()
    for lang in config.languages:
        suffix = "" if lang == config.default_language else f".{lang}"
        with warnings.catch_warnings():
            # No CJK font is needed here: the text stays text, and the reader's browser draws it
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            learning_rate_figure(HERE / f"lr_schedules{suffix}.svg", words(lang))
            radam_figure(HERE / f"radam_r_t{suffix}.svg", words(lang))
            counterexample_figure(HERE / f"amsgrad_counterexample{suffix}.svg", words(lang))
            experiment_figure(HERE / f"optimizers_on_digits{suffix}.svg", curves, words(lang))


if __name__ == "__main__":
    main()
