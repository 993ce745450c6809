r"""
---
title: Performance of our Adam against PyTorch's
summary: Times one optimizer step of our readable Adam against torch.optim.Adam on a model of ten million parameters.
---

# Performance test

Our optimizers are written to be read: one parameter at a time, one tensor
operation per line of maths. PyTorch's own `torch.optim.Adam` is written to be
fast, and by default fuses the work for all parameters into a few large
"foreach" kernels. Readability should not cost much, so this script measures
one `step()` of each on the same model, on the CPU:

```sh
python -m labml_nn.optimizers.performance_test
```

The comparison is with `foreach=False`, PyTorch's own loop over parameters, so
that the ratio shows the price of our structure (the hooks, the weight-decay
object), not of a different kernel strategy. The fused variant is printed too,
for reference.

The model is a stack of linear layers with about $10^7$ parameters. Timing
starts after a few warm-up steps (the first step allocates the state), and
takes the median of several repeats, which is robust to the odd slow run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch
from torch import nn

from labml_nn.optimizers.adam import Adam


def make_model(width: int = 1024, depth: int = 10) -> nn.Module:
    r"""`depth` square linear layers: $depth \cdot (width^2 + width)$ parameters."""
    torch.manual_seed(0)
    return nn.Sequential(*[nn.Linear(width, width) for _ in range(depth)])


def time_steps(make_optimizer: Callable[[list[nn.Parameter]], torch.optim.Optimizer], model: nn.Module,
               warmup: int, repeats: int) -> float:
    """Median seconds for one `step()`, with fixed gradients already in place."""
    params = list(model.parameters())
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    optimizer = make_optimizer(params)
    for _ in range(warmup):
        optimizer.step()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        optimizer.step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    """Time the three optimizers on the same model and print the ratio."""
    parser = argparse.ArgumentParser(description="Time one Adam step: ours against PyTorch's.")
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)

    model = make_model(args.width, args.depth)
    count = sum(p.numel() for p in model.parameters())
    ours = time_steps(lambda p: Adam(p, lr=1e-3), model, args.warmup, args.repeats)
    loop = time_steps(lambda p: torch.optim.Adam(p, lr=1e-3, foreach=False), model, args.warmup, args.repeats)
    fused = time_steps(lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True), model, args.warmup, args.repeats)

    print(f"parameters: {count:,}  threads: {torch.get_num_threads()}  repeats: {args.repeats}")
    print(f"labml_nn Adam:                      {1000 * ours:8.2f} ms/step")
    print(f"torch.optim.Adam(foreach=False):    {1000 * loop:8.2f} ms/step")
    print(f"torch.optim.Adam(foreach=True):     {1000 * fused:8.2f} ms/step")
    print(f"ratio ours / torch (foreach=False): {ours / loop:8.2f}x")


if __name__ == "__main__":
    main()
