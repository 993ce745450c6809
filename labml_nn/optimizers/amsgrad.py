r"""
---
title: AMSGrad optimizer
summary: AMSGrad keeps the largest second moment seen so far, so that a burst of large gradients is not forgotten within a few steps.
---

# AMSGrad

Reddi, Kale and Kumar,
[*On the Convergence of Adam and Beyond*](https://arxiv.org/abs/1904.09237),
show that [Adam](adam.py) can fail to converge even on simple convex problems.
The culprit is the second moment $v_t$: it is an average over a short window,
so it can drop quickly after a burst of large gradients. The step size
$\alpha / \sqrt{v_t}$ then jumps up, and rare but informative large gradients
are forgotten before they have had their effect.

AMSGrad's fix is to never let the second moment fall. It keeps the running
maximum of $v_t$ and uses it in place of $v_t$:

\begin{align}
m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) \cdot g_t \\
v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) \cdot g_t^2 \\
v^{max}_t &\leftarrow \max(v^{max}_{t-1}, v_t) \\
\theta_t &\leftarrow \theta_{t-1} - \alpha \cdot \frac{\hat{m}_t}{\sqrt{v^{max}_t / (1-\beta_2^t)} + \epsilon}
\end{align}

Like PyTorch's `Adam(amsgrad=True)`, we keep Adam's bias corrections and take
the maximum of the uncorrected $v_t$. Everything else is inherited from
[`Adam`](adam.py); only the second moment changes.

Only $v^{max}_t$ is monotone; the denominator is not. The bias correction
divides it by $1 - \beta_2^t$, which grows towards 1, so
$\sqrt{v^{max}_t / (1-\beta_2^t)}$ can keep falling long after $v^{max}_t$
has stopped rising. One gradient of 1 followed by gradients of $10^{-2}$
shows it: with the default $\beta_2 = 0.999$, the step per unit of $\hat{m}_t$,
$\alpha / \sqrt{v^{max}_t / (1-\beta_2^t)}$, grows from about $1.4\,\alpha$
to $29\,\alpha$ between $t = 2$ and $t = 2000$ (from $1.4 \times 10^{-3}$ to
$2.9 \times 10^{-2}$ with the default $\alpha = 10^{-3}$). The step
sizes of AMSGrad can grow; what it prevents is the jump that follows when
$v_t$ falls after a burst.

## The counterexample

Reddi et al. make the failure concrete with a sequence of linear losses on
the interval $[-1, 1]$. At one step in 101 the loss is $f_t(\theta) = 1010\,\theta$;
at the other 100 it is $f_t(\theta) = -10\,\theta$. Over a period the
gradients add up to $1010 - 100 \cdot 10 = 10 > 0$, so the best fixed
point is $\theta = -1$. Adam sees the large gradient once per period, after which $v_t$
decays by a factor $\beta_2^{100} \approx 0.37$ (with $\beta_2 = 0.99$)
before the next one. The hundred small gradients each push it towards $+1$
with steps that have grown in the meantime, and in total they outweigh the
one large step: Adam drifts to $\theta = +1$, the worst point. AMSGrad
remembers the large gradient in $v^{max}_t$, takes the small steps at its
scale, and heads for $-1$.

![Adam and AMSGrad on Reddi et al.'s counterexample](amsgrad_counterexample.svg)
"""

from __future__ import annotations

import math
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


def counterexample(amsgrad: bool, steps: int = 20_000, lr: float = 0.5) -> list[float]:
    r"""
    ### Run the counterexample

    Returns $\theta_t$ after each step. As in the paper's experiment,
    $\beta_1 = 0.9$, $\beta_2 = 0.99$, the learning rate decays as
    $\alpha_t = \alpha / \sqrt{t}$, and after every step $\theta$ is put
    back into $[-1, 1]$.
    """
    theta = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = AMSGrad([theta], lr=lr, betas=(0.9, 0.99), eps=1e-8, amsgrad=amsgrad, optimized_update=False)
    path = []
    for t in range(1, steps + 1):
        # $\alpha_t = \alpha / \sqrt{t}$, set on the group as PyTorch's schedulers do
        optimizer.param_groups[0]["lr"] = lr / math.sqrt(t)
        # $\nabla f_t = 1010$ once every 101 steps, $-10$ otherwise
        theta.grad = torch.full_like(theta, 1010.0 if t % 101 == 1 else -10.0)
        optimizer.step()
        # Projection onto the feasible set $[-1, 1]$
        with torch.no_grad():
            theta.clamp_(-1.0, 1.0)
        path.append(theta.item())
    return path
