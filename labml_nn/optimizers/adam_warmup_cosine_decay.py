r"""
---
title: Adam with warm-up and cosine decay
summary: A linear warm-up followed by a cosine decay of the learning rate to zero, on top of Adam.
---

# Adam with warm-up and cosine decay

Many training recipes lower the learning rate as training goes on: large
steps to make progress early, small steps to settle into a minimum at the
end. A popular shape, from Loshchilov and Hutter,
[*SGDR: Stochastic Gradient Descent with Warm Restarts*](https://arxiv.org/abs/1608.03983),
is half a cosine wave. Combined with a linear [warm-up](adam_warmup.py) of
$w$ steps and a total of $T$ steps:

$$
\alpha_t =
\begin{cases}
\alpha \dfrac{t}{w} & t < w \\[1ex]
\dfrac{\alpha}{2}\left(1 + \cos\left(\pi \dfrac{t - w}{T - w}\right)\right) & w \le t \le T \\[1ex]
0 & t > T
\end{cases}
$$

The rate climbs to $\alpha$ at $t = w$, then falls slowly at first, fastest
halfway, and flattens out as it reaches zero at $t = T$.

![Learning rate of warm-up with cosine decay](lr_schedules.svg)
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from labml_nn.optimizers import WeightDecay
from labml_nn.optimizers.amsgrad import AMSGrad


class AdamWarmupCosineDecay(AMSGrad):
    """
    ## Adam optimizer with warm-up and cosine decay

    The arguments are [AMSGrad's](amsgrad.py) (with `amsgrad=False` by
    default), plus `warmup`, the warm-up steps $w$, and `total_steps`, the step
    $T$ at which the learning rate reaches zero.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-16, weight_decay: WeightDecay = WeightDecay(), optimized_update: bool = True,
                 amsgrad: bool = False, warmup: int = 0, total_steps: int = 10_000,
                 defaults: dict[str, Any] | None = None) -> None:
        """Check the schedule's steps and store them in the group defaults."""
        if not warmup >= 0:
            raise ValueError(f"Invalid warmup steps: {warmup}")
        if not total_steps > warmup:
            raise ValueError(f"total_steps ({total_steps}) must be larger than warmup ({warmup})")
        defaults = dict(defaults or {})
        defaults.update(warmup=warmup, total_steps=total_steps)
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         optimized_update=optimized_update, amsgrad=amsgrad, defaults=defaults)

    def get_lr(self, state: dict[str, Any], group: dict[str, Any]) -> float:
        """
        ### Learning rate at step $t$
        """
        step, warmup, total = state["step"], group["warmup"], group["total_steps"]

        # Warm-up: $\alpha \frac{t}{w}$
        if step < warmup:
            return group["lr"] * step / warmup

        # Fraction of the decay done, $\frac{t - w}{T - w}$, held at 1 after $T$
        progress = min(1.0, (step - warmup) / (total - warmup))
        # $\frac{\alpha}{2}\left(1 + \cos(\pi \cdot progress)\right)$
        return group["lr"] * 0.5 * (1.0 + math.cos(math.pi * progress))
