r"""
---
title: Figures of the learning-rate schedules and of RAdam's rectification
summary: Draws the warm-up, cosine-decay and Noam schedules and RAdam's r_t as SVG files next to the sources.
---

# Figures

`make figures` runs this script, which draws the figures shown on the
optimizer pages as SVG files beside the sources. The curves come from the
optimizers' own code (`get_lr` and `rectification`), not from a second copy of
the formulas, so a figure cannot drift from what the code does.

The files are reproducible: matplotlib is told not to stamp a date and to use
a fixed seed for the ids inside the SVG, so redrawing unchanged curves leaves
the files unchanged.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from labml_nn.optimizers.adam_warmup import AdamWarmup  # noqa: E402
from labml_nn.optimizers.adam_warmup_cosine_decay import AdamWarmupCosineDecay  # noqa: E402
from labml_nn.optimizers.noam import Noam  # noqa: E402
from labml_nn.optimizers.radam import rectification  # noqa: E402

HERE = Path(__file__).resolve().parent


def schedule(optimizer: torch.optim.Optimizer, steps: range) -> list[float]:
    """The learning rate the optimizer would use at each step."""
    group = optimizer.param_groups[0]
    return [optimizer.get_lr({"step": t}, group) for t in steps]


def learning_rate_figure(path: Path) -> None:
    """Three panels: warm-up, warm-up with cosine decay, and Noam for three model widths."""
    # A single parameter is enough to build an optimizer and ask it for rates
    param = [torch.nn.Parameter(torch.zeros(1))]
    steps = range(1, 10_001)
    # One panel under another: the page shows figures in a column about 5 inches wide
    figure, axes = plt.subplots(3, 1, figsize=(5.5, 9), constrained_layout=True)

    # Warm-up over 1,000 steps
    axes[0].plot(steps, schedule(AdamWarmup(param, lr=1e-3, warmup=1000), steps))
    axes[0].set_title("Warm-up (w = 1,000)")

    # Warm-up then cosine decay to zero at T = 10,000
    axes[1].plot(steps, schedule(AdamWarmupCosineDecay(param, lr=1e-3, warmup=1000, total_steps=10_000), steps))
    axes[1].set_title("Warm-up and cosine decay (T = 10,000)")

    # Noam for several model widths
    for d_model in (256, 512, 1024):
        axes[2].plot(steps, schedule(Noam(param, lr=1.0, warmup=4000, d_model=d_model), steps),
                     label=f"d_model = {d_model}")
    axes[2].set_title("Noam (w = 4,000)")
    axes[2].legend()

    for ax in axes:
        ax.set_ylabel("learning rate")
        ax.grid(alpha=0.3)
    axes[2].set_xlabel("step t")
    save(figure, path)


def radam_figure(path: Path) -> None:
    r"""RAdam's $r_t$ for several $\beta_2$: the larger $\beta_2$, the longer the implicit warm-up."""
    figure, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    steps = range(1, 100_001)
    for beta2 in (0.9, 0.99, 0.999, 0.9999):
        # $r_t$ is undefined (no rectified step) while $\rho_t \le 5$
        values = [rectification(beta2, t) for t in steps]
        ax.plot([t for t, r in zip(steps, values) if r is not None], [r for r in values if r is not None],
                label=f"β₂ = {beta2}")
    ax.set_xscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel("r_t")
    ax.set_title("RAdam's rectification term")
    ax.grid(alpha=0.3)
    ax.legend()
    save(figure, path)


def save(figure: plt.Figure, path: Path) -> None:
    """Write an SVG without a date, so that the file only changes when the curves do."""
    plt.rcParams["svg.hashsalt"] = "labml_nn"
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)
    print(f"wrote {path}")


def main() -> None:
    """Draw every figure of the optimizer pages."""
    # Text stays text (readable at any zoom, findable); 12 pt keeps tick labels legible on a phone
    plt.rcParams.update({"font.size": 12, "svg.fonttype": "none"})
    learning_rate_figure(HERE / "lr_schedules.svg")
    radam_figure(HERE / "radam_r_t.svg")


if __name__ == "__main__":
    main()
