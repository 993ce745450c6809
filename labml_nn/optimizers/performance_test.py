r"""
---
title: Performance of our Adam against PyTorch's
summary: Times one optimizer step of our readable Adam against torch.optim.Adam's for-loop, foreach and fused implementations, on many small tensors and on a few large ones, in interleaved rounds.
---

# Performance test

Our optimizers are written to be read: one parameter at a time, one tensor
operation per line of maths. PyTorch's `torch.optim.Adam` has three
implementations, chosen by its arguments:

* **for-loop** (`foreach=False`): a Python loop over the parameters, a few
  tensor operations for each, like ours. This is what PyTorch uses on the CPU
  when neither `foreach` nor `fused` is given;
* **foreach** (`foreach=True`): each operation is applied to the whole list of
  parameters at once (`torch._foreach_mul_` and friends), which saves the
  per-parameter Python overhead but still runs one pass over memory per
  operation;
* **fused** (`fused=True`): the whole update of a parameter in a single
  kernel, available on the CPU too.

```sh
python -m labml_nn.optimizers.performance_test
```

What differs between them is the fixed cost per parameter tensor (Python
calls, kernel launches), not the arithmetic, which is the same for all four.
So the script times two shapes of model with about the same number of
elements: *many small* tensors, where the fixed cost dominates, and *a few
large* ones, where it is invisible and memory bandwidth sets the time.

Timings on a shared machine drift: another process wakes up, the CPU changes
its clock. Timing one variant for a minute and then the next would turn such
drift into a difference between variants. Instead the script runs rounds; in
each round every variant takes a few steps, in an order that rotates from
round to round. It reports the median time per step over the rounds and the
spread between the 25th and 75th percentiles, and the ratio of our median to
each of PyTorch's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch

from labml_nn.optimizers.adam import Adam

# How each variant is built, by name. Ours uses the paper's form and PyTorch's $\epsilon$, so that
# all four compute the same update and only the implementation differs.
VARIANTS: dict[str, Callable[[list[torch.Tensor]], torch.optim.Optimizer]] = {
    "labml_nn Adam": lambda p: Adam(p, lr=1e-3, eps=1e-8, optimized_update=False),
    "torch for-loop": lambda p: torch.optim.Adam(p, lr=1e-3, foreach=False),
    "torch foreach": lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True),
    "torch fused": lambda p: torch.optim.Adam(p, lr=1e-3, fused=True),
}


def make_params(count: int, size: int, seed: int = 0) -> list[torch.Tensor]:
    """`count` parameters of `size` elements each, with fixed random gradients."""
    generator = torch.Generator().manual_seed(seed)
    params = []
    for _ in range(count):
        param = torch.nn.Parameter(torch.randn(size, generator=generator))
        param.grad = torch.randn(size, generator=generator) * 1e-3
        params.append(param)
    return params


def copy_params(params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Independent copies, gradients included, so that every variant updates its own tensors."""
    copies = []
    for param in params:
        copy = torch.nn.Parameter(param.detach().clone())
        copy.grad = param.grad.clone()
        copies.append(copy)
    return copies


def interleaved_times(optimizers: dict[str, torch.optim.Optimizer], rounds: int, steps: int,
                      clock: Callable[[], float] = time.perf_counter) -> dict[str, list[float]]:
    """
    Seconds per step for each optimizer, one value per round. Round $k$ starts
    with the optimizer at position $k$ in the list, so none always runs first
    or last.
    """
    names = list(optimizers)
    times: dict[str, list[float]] = {name: [] for name in names}
    for k in range(rounds):
        for name in names[k % len(names):] + names[:k % len(names)]:
            started = clock()
            for _ in range(steps):
                optimizers[name].step()
            times[name].append((clock() - started) / steps)
    return times


def summary(values: list[float]) -> tuple[float, float, float]:
    """The median and the 25th and 75th percentiles."""
    low, median, high = statistics.quantiles(values, n=4, method="inclusive")
    return median, low, high


def measure(count: int, size: int, rounds: int, steps: int) -> dict[str, list[float]]:
    """Build every variant on its own copy of the same parameters, take a first step, then time them."""
    params = make_params(count, size)
    optimizers = {name: make(copy_params(params)) for name, make in VARIANTS.items()}
    # The first step allocates the state; it is not what we want to time
    for optimizer in optimizers.values():
        optimizer.step()
    return interleaved_times(optimizers, rounds, steps)


def report(title: str, times: dict[str, list[float]]) -> str:
    """A table of milliseconds per step, and the ratio of our median to each of PyTorch's."""
    ours = summary(times["labml_nn Adam"])[0]
    lines = [title, f"  {'variant':<16}{'median ms':>11}{'25%-75%':>20}{'ours / this':>13}"]
    for name, values in times.items():
        median, low, high = summary(values)
        lines.append(f"  {name:<16}{1000 * median:>11.3f}{f'{1000 * low:.3f}-{1000 * high:.3f}':>20}"
                     f"{ours / median:>12.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Time every variant on many small tensors and on a few large ones."""
    parser = argparse.ArgumentParser(description="Time one Adam step: ours against PyTorch's implementations.")
    parser.add_argument("--elements", type=int, default=2 ** 22, help="elements per model (default about 4M)")
    parser.add_argument("--small", type=int, default=2 ** 12, help="elements of each tensor in the 'many small' model")
    parser.add_argument("--large", type=int, default=4, help="number of tensors in the 'few large' model")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=3, help="steps per variant per round")
    args = parser.parse_args(argv)
    if args.rounds < 2 or args.steps < 1 or args.small < 1 or args.large < 1 or args.elements < args.small:
        parser.error("need --rounds >= 2, --steps >= 1, and --elements at least --small")

    print(f"threads: {torch.get_num_threads()}  rounds: {args.rounds}  steps per round: {args.steps}")
    shapes = [(f"many small: {args.elements // args.small:,} tensors of {args.small:,}",
               args.elements // args.small, args.small),
              (f"few large: {args.large} tensors of {args.elements // args.large:,}",
               args.large, args.elements // args.large)]
    for title, count, size in shapes:
        print(report(title, measure(count, size, args.rounds, args.steps)))


if __name__ == "__main__":
    main()
