r"""
---
title: AMSGrad optimizer
summary: AMSGrad keeps the largest second moment seen so far, so that Adam's step sizes can only shrink.
---

# AMSGrad

Reddi, Kale and Kumar,
[*On the Convergence of Adam and Beyond*](https://arxiv.org/abs/1904.09237),
show that [Adam](adam.py) can fail to converge even on simple convex problems.
The culprit is the second moment $v_t$: it is an average over a short window,
so it can drop quickly after a burst of large gradients. The step size
$\alpha / \sqrt{v_t}$ then jumps up, and rare but informative large gradients
are forgotten before they have had their effect.

AMSGrad's fix is to never let the denominator shrink. It keeps the running
maximum of the second moment and uses it in place of $v_t$:

\begin{align}
m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) \cdot g_t \\
v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) \cdot g_t^2 \\
v^{max}_t &\leftarrow \max(v^{max}_{t-1}, v_t) \\
\theta_t &\leftarrow \theta_{t-1} - \alpha \cdot \frac{\hat{m}_t}{\sqrt{v^{max}_t / (1-\beta_2^t)} + \epsilon}
\end{align}

Like PyTorch's `Adam(amsgrad=True)`, we keep Adam's bias corrections and take
the maximum of the uncorrected $v_t$. Everything else is inherited from
[`Adam`](adam.py); only the second moment changes.
"""

from __future__ import annotations

from typing import Any, Iterable

import torch

from labml_nn.optimizers import WeightDecay
from labml_nn.optimizers.adam import Adam


class AMSGrad(Adam):
    """
    ## AMSGrad optimizer

    The arguments are [Adam's](adam.py), plus `amsgrad`, which turns the
    running maximum on or off (off gives plain Adam). It is stored in the group
    defaults, so each parameter group can choose.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-16, weight_decay: WeightDecay = WeightDecay(), optimized_update: bool = True,
                 amsgrad: bool = True, defaults: dict[str, Any] | None = None) -> None:
        """Store `amsgrad` in the group defaults and build an [Adam](adam.py)."""
        defaults = dict(defaults or {})
        defaults.update(amsgrad=amsgrad)
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         optimized_update=optimized_update, defaults=defaults)

    def init_state(self, state: dict[str, Any], group: dict[str, Any], param: torch.nn.Parameter) -> None:
        """
        ### Initialise the state

        Adam's state, plus $v^{max}_0 = 0$ when AMSGrad is on.
        """
        super().init_state(state, group, param)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def get_mv(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """
        ### The moments, with the running maximum as the second one
        """
        # $m_t$ and $v_t$, as in Adam
        m, v = super().get_mv(state, group, grad)

        if not group["amsgrad"]:
            return m, v

        # $v^{max}_t \leftarrow \max(v^{max}_{t-1}, v_t)$, element by element, in place
        v_max = state["max_exp_avg_sq"]
        torch.maximum(v_max, v, out=v_max)

        return m, v_max
