r"""
---
title: AdaBelief optimizer
summary: AdaBelief scales each step by how far the gradient strays from its expected value, taking large steps where the gradient is predictable.
---

# AdaBelief

Zhuang et al., [*AdaBelief Optimizer: Adapting Stepsizes by the Belief in
Observed Gradients*](https://arxiv.org/abs/2010.07468), change one line of
[Adam](adam.py). Adam divides by the root of $v_t$, the average of $g_t^2$.
AdaBelief divides by the root of $s_t$, the average of $(g_t - m_t)^2$: how
far the gradient lands from $m_t$, the gradient we expected.

\begin{align}
m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) \cdot g_t \\
s_t &\leftarrow \beta_2 s_{t-1} + (1 - \beta_2) \cdot (g_t - m_t)^2 + \epsilon \\
\hat{m}_t &\leftarrow \frac{m_t}{1-\beta_1^t} \\
\hat{s}_t &\leftarrow \frac{s_t}{1-\beta_2^t} \\
\theta_t &\leftarrow \theta_{t-1} - \alpha \cdot \frac{\hat{m}_t}{\sqrt{\hat{s}_t} + \epsilon}
\end{align}

These are the equations of the paper's headline algorithm, which this class
runs with `rectify=False`. The default, `rectify=True`, follows the authors'
code instead: RAdam's rectification on top, described
[below](#rectification).

## Why it helps

Think of $m_t$ as a prediction of the next gradient and $s_t$ as the squared
error of that prediction. The residual in $s_t$ uses $m_t$, which has already
seen $g_t$, but it is still an honest prediction error: from the update of
$m_t$,

$$
g_t - m_t = \beta_1 \left(g_t - m_{t-1}\right)
$$

so it is the surprise of $g_t$ against $m_{t-1}$, the prediction made before
$g_t$ arrived, scaled by $\beta_1$.

* Where the loss is a steep but straight slope, gradients are large and
  steady: Adam's $v_t$ is large and it creeps forward, while AdaBelief's $s_t$
  is small and it strides ahead, as we would want.
* Where gradients flip back and forth (a narrow valley), $s_t$ is large and
  AdaBelief takes small, careful steps.
* Where the curvature is high and the gradient changes quickly, a large
  difference $g_t - m_t$ again means a small step.

AdaBelief also adds $\epsilon$ to $s_t$ itself at every step (the second line).
When the gradient is perfectly predictable the residual vanishes, and without
this term $s_t$ would decay towards zero. Because $s_t$ carries each step's
$\epsilon$ forward, multiplied by $\beta_2$ at every step, these additions
accumulate: $s_t$ never falls below
$\epsilon (1 + \beta_2 + \dots + \beta_2^{t-1}) = \epsilon \frac{1 - \beta_2^t}{1 - \beta_2}$,
so $\hat{s}_t \ge \frac{\epsilon}{1 - \beta_2}$, a thousand times $\epsilon$
with $\beta_2 = 0.999$. This floor, not the $\epsilon$ outside the square
root, is what bounds the step when the gradient is steady.

## Rectification

The authors' reference implementation (`adabelief-pytorch`, 0.2) applies
[RAdam](radam.py)'s rectification by default, with $s_t$ in place of $v_t$.
So this `AdaBelief` extends our `RAdam` and, by default, does the same: it
multiplies the step by $r_t$ once $\rho_t > 5$, and before that (the first
five steps with $\beta_2 = 0.999$) it takes momentum SGD steps
$\alpha \hat{m}_t$, which do not involve $s_t$ at all. It follows that
reference step for step, including two details of it:

* with `amsgrad=True`, the running maximum of $s_t$ is used only by the
  unrectified update; the rectified update uses $s_t$ itself;
* in the rectified update $\epsilon$ is added to $\sqrt{s_t}$ before the bias
  correction, as in [RAdam](radam.py).
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable

import torch

from labml_nn.optimizers import WeightDecay
from labml_nn.optimizers.radam import RAdam


class AdaBelief(RAdam):
    r"""
    ## AdaBelief optimizer

    * `params`, `lr`, `betas`, `eps` and `weight_decay` are
      [Adam's](adam.py);
    * `amsgrad` keeps the running maximum of $s_t$, as [AMSGrad](amsgrad.py)
      does for $v_t$;
    * `degenerated_to_sgd` takes momentum SGD steps while $\rho_t \le 5$
      (see [RAdam](radam.py)); the name is RAdam's and the reference's, and
      the older spelling `degenerate_to_sgd` still works, with a
      `DeprecationWarning`;
    * `rectify` turns the RAdam rectification on;
    * `defaults` holds hyperparameters of subclasses.

    The parent's constructor is called with keyword arguments: passing them by
    position is how a well-known tutorial ended up running a different
    algorithm from the one it describes.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-16, weight_decay: WeightDecay = WeightDecay(), amsgrad: bool = False,
                 degenerated_to_sgd: bool = True, rectify: bool = True,
                 defaults: dict[str, Any] | None = None, degenerate_to_sgd: bool | None = None) -> None:
        """Pass everything to [RAdam](radam.py) by keyword, and keep `rectify`."""
        # The old spelling wins when given, so that existing code keeps its meaning
        if degenerate_to_sgd is not None:
            warnings.warn("AdaBelief(degenerate_to_sgd=...) is deprecated; use degenerated_to_sgd=...",
                          DeprecationWarning, stacklevel=2)
            degenerated_to_sgd = degenerate_to_sgd
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, degenerated_to_sgd=degenerated_to_sgd, defaults=defaults)
        self.rectify = rectify

    def init_state(self, state: dict[str, Any], group: dict[str, Any], param: torch.nn.Parameter) -> None:
        r"""
        ### Initialise the state

        A step counter, $m_0 = s_0 = 0$, and $s^{max}_0 = 0$ with AMSGrad.
        """
        state["step"] = 0
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["exp_avg_var"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        if group["amsgrad"]:
            state["max_exp_avg_var"] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def get_ms(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""
        ### Update $m_t$ and $s_t$

        Returns $m_t$ and the second moment the unrectified update divides
        by: $s_t$, or $s^{max}_t$ with AMSGrad.
        """
        beta1, beta2 = group["betas"]
        m, s = state["exp_avg"], state["exp_avg_var"]

        # $m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) \cdot g_t$
        m.mul_(beta1).add_(grad, alpha=1 - beta1)

        # $g_t - m_t$, how far the gradient is from the one we expected
        residual = grad - m
        # $s_t \leftarrow \beta_2 s_{t-1} + (1 - \beta_2) \cdot (g_t - m_t)^2 + \epsilon$
        s.mul_(beta2).addcmul_(residual, residual, value=1 - beta2).add_(group["eps"])

        if not group["amsgrad"]:
            return m, s

        # $s^{max}_t \leftarrow \max(s^{max}_{t-1}, s_t)$
        s_max = state["max_exp_avg_var"]
        torch.maximum(s_max, s, out=s_max)
        return m, s_max

    def step_param(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor,
                   param: torch.nn.Parameter) -> None:
        r"""
        ### One step for one parameter
        """
        # $t \leftarrow t + 1$ first, so that the schedule gives this step's rate $\alpha_t$
        state["step"] += 1
        lr = self.get_lr(state, group)

        # Weight decay: decoupled by default, as in the reference implementation
        grad = self.weight_decay(param, grad, group, lr)

        # $m_t$ and $s_t$ (or $s^{max}_t$)
        m, s = self.get_ms(state, group, grad)

        if not self.rectify:
            # Adam's update with $s_t$ for $v_t$, in the paper's form:
            # $\theta_t \leftarrow \theta_{t-1} - \alpha \frac{\hat{m}_t}{\sqrt{\hat{s}_t} + \epsilon}$
            self.adam_update(state, group, param, m, s, lr)
        else:
            # RAdam's rectified update with $s_t$ for $v_t$
            self.r_adam_update(state, group, param, m, state["exp_avg_var"], lr)
