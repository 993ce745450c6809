r"""
---
title: Lion optimizer
summary: Lion, found by program search, updates each parameter by the sign of an interpolated momentum – one state tensor, equal-sized steps.
---

# Lion

Chen et al., [*Symbolic Discovery of Optimization Algorithms*](https://arxiv.org/abs/2302.06675),
let a program search explore the space of update rules and simplified the
best one it found into **Lion** (*EvoLved Sign Momentum*). It keeps a single
momentum $m_t$ per parameter, no second moment, and moves every parameter by
$\alpha$ per step in the direction of a sign, plus the weight decay:

\begin{align}
c_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) \cdot g_t \\
\theta_t &\leftarrow \theta_{t-1} - \alpha \left( \operatorname{sign}(c_t) + \lambda \theta_{t-1} \right) \\
m_t &\leftarrow \beta_2 m_{t-1} + (1 - \beta_2) \cdot g_t
\end{align}

Two different interpolations are at work. The *update direction* $c_t$ mixes
the old momentum with the new gradient using $\beta_1$ (0.9 by default), so
the current gradient counts for a tenth. The *momentum* itself is updated
afterwards with $\beta_2$ (0.99), so it remembers a longer history than
Adam's first moment with its usual $\beta_1 = 0.9$.

## What changes in practice

* **Memory.** One state tensor per parameter instead of Adam's two.
* **Step size.** $\operatorname{sign}$ gives every element an update of
  magnitude 1 (unless $c_t$ is exactly 0). Adam's update
  $\frac{\hat{m}_t}{\sqrt{\hat{v}_t}}$ reaches about 1 only where the
  gradient is steady; where it is noisy, $|\hat{m}_t|$ is well below
  $\sqrt{\hat{v}_t}$ and the element moves much less. Lion's update therefore
  has a larger norm than Adam's at the same $\alpha$, and the paper recommends
  a learning rate 3 to 10 times smaller than AdamW's. Hence the default
  $\alpha = 10^{-4}$, a tenth of Adam's.
* **Weight decay** then has to grow by the same factor. Decoupled decay
  shrinks the parameters by $\alpha\lambda$ per step, so with $\alpha$ 3 to
  10 times smaller, $\lambda$ must be 3 to 10 times larger for the same
  strength of regularisation; the paper recommends exactly that.
* **Decoupled, as in AdamW**: here the decay is the default
  [`WeightDecay`](__init__.py), which multiplies $\theta_{t-1}$ by
  $(1 - \alpha\lambda)$ before the sign step.
"""

from __future__ import annotations

from typing import Any, Iterable

import torch

from labml_nn.optimizers import GenericAdaptiveOptimizer, WeightDecay


class Lion(GenericAdaptiveOptimizer):
    r"""
    ## Lion optimizer

    * `params`: the parameters, or parameter groups, to optimize;
    * `lr`: the learning rate $\alpha$;
    * `betas`: $(\beta_1, \beta_2)$, for the update direction and the momentum;
    * `weight_decay`: a [`WeightDecay`](__init__.py) object ($\lambda$);
    * `defaults`: hyperparameters of subclasses.

    Lion divides by nothing, so it has no $\epsilon$; the base class is given
    0 for it.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.99),
                 weight_decay: WeightDecay = WeightDecay(), defaults: dict[str, Any] | None = None) -> None:
        r"""Add the weight-decay coefficient to the defaults; $\epsilon$ is 0."""
        defaults = dict(defaults or {})
        defaults.update(weight_decay.defaults())
        super().__init__(params, defaults, lr, betas, eps=0.0)
        self.weight_decay = weight_decay

    def init_state(self, state: dict[str, Any], group: dict[str, Any], param: torch.nn.Parameter) -> None:
        r"""
        ### Initialise the state

        Only the momentum, $m_0 = 0$.
        """
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def step_param(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor,
                   param: torch.nn.Parameter) -> None:
        r"""
        ### One step for one parameter
        """
        beta1, beta2 = group["betas"]
        m = state["exp_avg"]

        # Decoupled weight decay, $\theta_{t-1} \leftarrow (1 - \alpha\lambda)\, \theta_{t-1}$
        grad = self.weight_decay(param, grad, group, group["lr"])

        # $c_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) \cdot g_t$, a new tensor: $m_{t-1}$ is still needed
        direction = torch.lerp(grad, m, beta1)

        # $\theta_t \leftarrow \theta_{t-1} - \alpha \operatorname{sign}(c_t)$
        param.data.add_(direction.sign_(), alpha=-group["lr"])

        # $m_t \leftarrow \beta_2 m_{t-1} + (1 - \beta_2) \cdot g_t$, in place
        m.lerp_(grad, 1 - beta2)
