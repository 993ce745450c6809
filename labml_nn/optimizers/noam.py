r"""
---
title: Noam optimizer
summary: The learning-rate schedule of the Transformer paper – linear warm-up, then decay with the inverse square root of the step.
---

# Noam optimizer

Vaswani et al., [*Attention Is All You Need*](https://arxiv.org/abs/1706.03762),
train the Transformer with Adam and this schedule, known after one of its
authors as the Noam schedule:

$$
\alpha_t = \alpha \cdot \frac{1}{\sqrt{d_{model}}}
\min\left(\frac{1}{\sqrt{t}}, \frac{t}{w^{3/2}}\right)
$$

For $t < w$ the second term is the smaller one and the rate grows linearly;
both terms are equal at $t = w$, where the rate peaks at
$\alpha / \sqrt{d_{model} \, w}$; after that it decays like $1 / \sqrt{t}$.
The factor $1/\sqrt{d_{model}}$ gives wider models, whose layers sum over more
inputs, smaller steps.

The paper uses $\alpha = 1$, $d_{model} = 512$ and $w = 4000$, and gives Adam
$\beta_1 = 0.9$, $\beta_2 = 0.98$ and $\epsilon = 10^{-9}$. These are the
defaults here. With them the rate peaks at $t = 4000$ at about $7 \times 10^{-4}$.
It is tiny at the start, $1.7 \times 10^{-7}$ on the first step, and the
decoupled [weight decay](__init__.py) follows it: the parameters shrink by
$\alpha_t \lambda$ on each step, not by $\lambda$.

![Noam learning rate for several model widths](lr_schedules.svg)
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from labml_nn.optimizers import WeightDecay
from labml_nn.optimizers.amsgrad import AMSGrad


class Noam(AMSGrad):
    r"""
    ## Noam optimizer

    The arguments are [AMSGrad's](amsgrad.py) (with `amsgrad=False` by
    default), plus `warmup`, the warm-up steps $w$ (0 for none, leaving the
    $1 / \sqrt{t}$ decay alone), and `d_model`, the model width $d_{model}$.
    Every default is the paper's; `eps` is used as $\hat{\epsilon}$ unless
    `optimized_update=False` (see [Adam](adam.py)).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, betas: tuple[float, float] = (0.9, 0.98),
                 eps: float = 1e-9, weight_decay: WeightDecay = WeightDecay(), optimized_update: bool = True,
                 amsgrad: bool = False, warmup: int = 4000, d_model: int = 512,
                 defaults: dict[str, Any] | None = None) -> None:
        """Check `warmup` and `d_model`; `warmup` goes to the group defaults."""
        if not warmup >= 0:
            raise ValueError(f"Invalid warmup steps: {warmup}")
        if not d_model > 0:
            raise ValueError(f"Invalid d_model: {d_model}")
        defaults = dict(defaults or {})
        defaults.update(warmup=warmup)
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         optimized_update=optimized_update, amsgrad=amsgrad, defaults=defaults)
        self.d_model = d_model

    def get_lr(self, state: dict[str, Any], group: dict[str, Any]) -> float:
        """
        ### Learning rate at step $t$
        """
        step, warmup = state["step"], group["warmup"]

        # $\min\left(\frac{1}{\sqrt{t}}, \frac{t}{w^{3/2}}\right)$; without warm-up only the first term
        factor = 1.0 / math.sqrt(step)
        if warmup > 0:
            factor = min(factor, step / warmup ** 1.5)

        # $\alpha \cdot \frac{1}{\sqrt{d_{model}}} \cdot factor$
        return group["lr"] * factor / math.sqrt(self.d_model)
