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
Japanese pages show it in place of the English one.

The experiment's figure needs 27 training runs, so the network is trained once
and its losses are saved in `optimizers_on_digits.json`; every language's
figure is drawn from that file. After translating a figure's words,
`python -m labml_nn.optimizers.figures --saved` redraws the figures from the
saved losses in a few seconds instead of training again.

A figure is an image the page has to load, so it is kept small: a loss curve
has at most 50 points, each the mean of consecutive steps (which also averages
out the noise of single batches), and coordinates are written to 0.1 pt.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import warnings
from pathlib import Path, PurePosixPath
from typing import Callable

import matplotlib
import matplotlib.ticker

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
        rates = schedule(Noam(param, lr=1.0, warmup=4000, d_model=d_model), steps)
        line, = axes[2].plot(steps, rates)
        # Each curve named just below its end: a legend would cover one of them on a phone
        axes[2].annotate(f"d_model = {d_model}", (steps[-1], rates[-1]), xytext=(0, -4), textcoords="offset points",
                         ha="right", va="top", color=line.get_color())
    axes[2].set_title(_("Noam (w = 4,000)"))

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
    ax.legend(loc="lower right")
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
# At most this many points per curve: a figure a phone can load, and the noise of single batches averaged out
POINTS = 50
# The saved results of the one training run that every language's figure is drawn from
RESULTS = HERE / "optimizers_on_digits.json"
# Panels of three optimizers that are worth comparing with each other; the grey line is Adam's
GROUPS = (("adam", "adamw", "amsgrad"), ("adam_warmup", "adam_warmup_cosine_decay", "noam"),
          ("radam", "adabelief", "lion"))


def block_means(losses: list[float], size: int) -> list[float]:
    """The mean of each run of `size` consecutive losses (the last run may be shorter)."""
    return [statistics.fmean(losses[i:i + size]) for i in range(0, len(losses), size)]


def run_experiment() -> dict:
    """Train every optimizer with every seed once; the losses are kept as block means, rounded to 4 digits."""
    train_data, test_data = mnist_experiment.load_digits()
    torch.set_num_threads(1)
    steps_per_epoch = -(-len(train_data.labels) // BATCH_SIZE)
    block = -(-EPOCHS * steps_per_epoch // POINTS)
    losses = {}
    for name in mnist_experiment.OPTIMIZERS:
        runs = [mnist_experiment.train(name, train_data, test_data, EPOCHS, BATCH_SIZE, seed, progress=False)
                for seed in SEEDS]
        losses[name] = [[float(f"{v:.4g}") for v in block_means(run.losses, block)] for run in runs]
    return {"dataset": "scikit-learn digits (8x8)", "seeds": list(SEEDS), "epochs": EPOCHS,
            "batch_size": BATCH_SIZE, "steps_per_epoch": steps_per_epoch, "block": block, "losses": losses}


def experiment_figure(results: dict, path: Path, _: Words = str) -> None:
    """Three panels of three optimizers: mean training loss over the seeds, min–max as a band, Adam in grey."""
    # x: the middle of each block of steps, in epochs
    block, per_epoch = results["block"], results["steps_per_epoch"]
    losses = {name: torch.tensor(runs) for name, runs in results["losses"].items()}
    epochs = [(i + 0.5) * block / per_epoch for i in range(losses["adam"].shape[1])]

    figure, axes = plt.subplots(3, 1, figsize=(5.5, 11), sharex=True, sharey=True, constrained_layout=True)
    # Room below the lowest band for the legend, which sits there in every panel
    axes[0].set_ylim(3e-5, 4)
    titles = (_("Adam and two variants"), _("Learning-rate schedules"), _("Other update rules"))
    for ax, group, title in zip(axes, GROUPS, titles):
        if "adam" not in group:
            ax.plot(epochs, losses["adam"].mean(0), color="grey", linewidth=1, label="adam")
        for colour, name in enumerate(group):
            ax.fill_between(epochs, losses[name].min(0).values, losses[name].max(0).values,
                            alpha=0.2, color=f"C{colour}", linewidth=0)
            ax.plot(epochs, losses[name].mean(0), color="grey" if name == "adam" else f"C{colour}",
                    linewidth=1.5, label=name)
        ax.set_title(title)
        ax.set_yscale("log")
        ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())  # unlabelled marks, only bytes
        ax.set_ylabel(_("training loss"))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left")
    axes[-1].set_xlabel(_("epoch"))
    figure.suptitle(_("scikit-learn's digits (8×8): mean of {seeds} seeds,\nmin–max shaded").format(
        seeds=len(results["seeds"])))
    save(figure, path)


def save(figure: plt.Figure, path: Path) -> None:
    """Write an SVG without a date, so that the file only changes when the curves do."""
    svg = io.StringIO()
    figure.savefig(svg, format="svg", metadata={"Date": None})
    plt.close(figure)
    shorter = PATH_DATA.sub(lambda m: m[1] + shorter_path(m[2]) + '"', svg.getvalue())
    # Indentation between elements is a tenth of the file and means nothing to a browser
    path.write_text(INDENT.sub("\n<", shorter), "utf-8")
    print(f"wrote {path}")


# The outline of a curve or band: `d="M 69.601113 285.199576 L …"`
PATH_DATA = re.compile(r'(\sd=")([^"]*)"')
# The spaces before an element's tag at the start of a line
INDENT = re.compile(r"\n[ \t]+<")


def shorter_path(data: str) -> str:
    """Path data with coordinates to 0.1 pt (matplotlib writes 6 decimals): fewer bytes, no visible change."""
    return " ".join(f"{float(token):.1f}".rstrip("0").rstrip(".") if token[0] in "-.0123456789" else token
                    for token in data.split())


def words(lang: str) -> Words:
    """This page's translations in `lang` (English where a word is untranslated or awaits review)."""
    config = load(ROOT)
    if lang == config.default_language:
        return str
    rel = PurePosixPath(HERE.name, Path(__file__).name)  # optimizers/figures.py, as in the source folder
    table = load_table(table_path(config.translations, lang, rel))
    return lambda english: table.get(english) or english


def use_style() -> None:
    """The settings every figure is drawn with."""
    # Text stays text (readable at any zoom, findable); at 13 pt a tick label is 11 px on a 375 px phone
    plt.rcParams.update({"font.size": 13, "svg.fonttype": "none", "svg.hashsalt": "labml_nn"})


def main(argv: list[str] | None = None) -> None:
    """Draw every figure of the optimizer pages, in every language of the site."""
    parser = argparse.ArgumentParser(description="Draw the figures of the optimizer pages in every language.")
    parser.add_argument("--saved", action="store_true",
                        help=f"draw the experiment's figure from {RESULTS.name} instead of training again")
    args = parser.parse_args(argv)
    if not args.saved:
        RESULTS.write_text(json.dumps(run_experiment(), indent=1) + "\n", "utf-8")
    results = json.loads(RESULTS.read_text("utf-8"))

    use_style()
    config = load(ROOT)
    for lang in config.languages:
        suffix = "" if lang == config.default_language else f".{lang}"
        with warnings.catch_warnings():
            # No CJK font is needed here: the text stays text, and the reader's browser draws it
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            learning_rate_figure(HERE / f"lr_schedules{suffix}.svg", words(lang))
            radam_figure(HERE / f"radam_r_t{suffix}.svg", words(lang))
            counterexample_figure(HERE / f"amsgrad_counterexample{suffix}.svg", words(lang))
            experiment_figure(results, HERE / f"optimizers_on_digits{suffix}.svg", words(lang))


if __name__ == "__main__":
    main()
