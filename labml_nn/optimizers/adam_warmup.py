r"""
---
title: Adam with warm-up
summary: Adam whose learning rate grows linearly from zero over the first steps, which keeps early updates from going astray.
---

# Adam with warm-up

In the first steps of training, Adam's second moment $v_t$ is estimated from
only a handful of gradients, so its step sizes are unreliable, and a model
that starts from random weights can be pushed somewhere it never recovers
from. A common remedy is to *warm up*: start with a tiny learning rate and
raise it linearly to its full value over the first $w$ steps,

$$
\alpha_t = \alpha \min\left(1, \frac{t}{w}\right)
$$

This optimizer is [AMSGrad](amsgrad.py) (with `amsgrad=False` by default, so
plain [Adam](adam.py)) with this schedule. [RAdam](radam.py) studies why
warm-up helps and replaces it with a correction derived from the variance of
$v_t$.

## How long to warm up

The warm-up is there for the steps in which $v_t$ has seen too few gradients,
so its length should follow $\beta_2$: $v_t$ averages over roughly the last
$\frac{1}{1 - \beta_2}$ squared gradients, a thousand steps for
$\beta_2 = 0.999$. Ma and Yarats,
[*On the Adequacy of Untuned Warmup for Adaptive Optimization*](https://arxiv.org/abs/1910.04209),
propose $w = \frac{2}{1 - \beta_2}$ as a default that needs no tuning:
2,000 steps for $\beta_2 = 0.999$, 200 for $\beta_2 = 0.99$. RAdam's factor
$r_t$ tells a similar story, reaching $0.83$ at $t = 2000$ with
$\beta_2 = 0.999$. A warm-up should still be a small part of the whole run; a
short run like the [MNIST experiment](mnist_experiment.py) cannot spend 2,000
steps on it, and warms up over its first tenth instead.
"""

from __future__ import annotations

from typing import Any, Iterable

from labml_nn.optimizers import WeightDecay
from labml_nn.optimizers.amsgrad import AMSGrad


class AdamWarmup(AMSGrad):
    """
    ## Adam optimizer with warm-up

    The arguments are [AMSGrad's](amsgrad.py), plus `warmup`, the number of
    warm-up steps $w$ (0 turns warm-up off).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-16, weight_decay: WeightDecay = WeightDecay(), optimized_update: bool = True,
                 amsgrad: bool = False, warmup: int = 0, defaults: dict[str, Any] | None = None) -> None:
        """Check `warmup` and store it in the group defaults."""
        if not warmup >= 0:
            raise ValueError(f"Invalid warmup steps: {warmup}")
        defaults = dict(defaults or {})
        defaults.update(warmup=warmup)
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         optimized_update=optimized_update, amsgrad=amsgrad, defaults=defaults)

    def get_lr(self, state: dict[str, Any], group: dict[str, Any]) -> float:
        r"""
        ### Learning rate at step $t$

        $\alpha \min(1, t / w)$; `step` was already incremented, so the first
        update uses $t = 1$ and is small but not zero.
        """
        warmup = group["warmup"]
        if warmup > 0 and state["step"] < warmup:
            return group["lr"] * state["step"] / warmup
        return group["lr"]
