r"""
---
title: Adam optimizer
summary: Adam in PyTorch, step by step – moment estimates, bias correction and the update, with the maths beside the code.
---

# Adam

Adam, from Kingma and Ba,
[*Adam: A Method for Stochastic Optimization*](https://arxiv.org/abs/1412.6980),
keeps two running averages for every parameter:

* the **first moment** $m_t$, an exponential moving average of the gradients,
  which acts like momentum;
* the **second moment** $v_t$, an exponential moving average of the squared
  gradients, which measures how large the gradients of that parameter
  typically are.

Each step moves a parameter by roughly $\alpha$ in the direction of $m_t$,
divided by $\sqrt{v_t}$. A parameter whose gradients are consistently large
takes steps no bigger than one whose gradients are small: the step size
adapts to each parameter.

## The algorithm

With gradient $g_t$ at step $t$, decay rates $\beta_1, \beta_2 \in [0, 1)$,
learning rate $\alpha$ and a small $\epsilon$, starting from $m_0 = v_0 = 0$:

\begin{align}
m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) \cdot g_t \\
v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) \cdot g_t^2 \\
\hat{m}_t &\leftarrow \frac{m_t}{1-\beta_1^t} \\
\hat{v}_t &\leftarrow \frac{v_t}{1-\beta_2^t} \\
\theta_t &\leftarrow \theta_{t-1} - \alpha \cdot \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}
\end{align}

Squares, square roots and divisions act on each element separately.

## Why the bias correction

Both averages start at zero, so in early steps they are pulled towards zero.
If the gradients were constant, $g_t = g$, then
$m_t = (1 - \beta_1^t)\, g$: after one step with $\beta_1 = 0.9$, only a tenth
of $g$. Dividing by $1 - \beta_1^t$ removes exactly this shrinkage, and
likewise $1 - \beta_2^t$ for $v_t$. As $t$ grows, both corrections tend to 1.

The first step shows what is at stake. With $m_0 = v_0 = 0$,
$m_1 = (1 - \beta_1)\, g_1$ and $v_1 = (1 - \beta_2)\, g_1^2$. Without the
corrections, the update would be
$\alpha \frac{m_1}{\sqrt{v_1}} = \alpha \frac{1 - \beta_1}{\sqrt{1 - \beta_2}} \operatorname{sign}(g_1)$,
about $3.2\,\alpha$ with the usual $\beta_1 = 0.9$ and $\beta_2 = 0.999$:
the second moment is shrunk far more than the first. With them,
$\hat{m}_1 = g_1$ and $\hat{v}_1 = g_1^2$, so the first step is
$\alpha \operatorname{sign}(g_1)$ (up to $\epsilon$), whatever the size of
the gradient.

## How far one step goes

Leaving $\epsilon$ aside, the step is $\alpha \frac{\hat{m}_t}{\sqrt{\hat{v}_t}}$,
and the ratio is unchanged when every gradient is multiplied by the same
constant: Adam's steps do not depend on the scale of the loss. When the
gradients of a parameter are steady, $\hat{m}_t \approx g$ and
$\sqrt{\hat{v}_t} \approx |g|$, so the step is about $\alpha$; when they are
noisy, $|\hat{m}_t|$ is smaller than $\sqrt{\hat{v}_t}$ and the step is
smaller. Kingma and Ba call this a trust region: in the usual case
$|\Delta \theta_t| \lesssim \alpha$, so $\alpha$ sets how far a parameter
moves per step. It is not a hard limit: a parameter whose gradients were near
zero for a long time and then jump takes a step of nearly
$\frac{1 - \beta_1}{\sqrt{1 - \beta_2}}\, \alpha \approx 3.2\, \alpha$,
and gradients that grow by about 11% on every step (a ratio of $\beta_2 / \beta_1$)
drive it above $4\, \alpha$.

## A cheaper form of the update

Writing the update with the corrections moved into the step size saves two
divisions of whole tensors per step:

$$
\theta_t \leftarrow \theta_{t-1} - \alpha \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}
\cdot \frac{m_t}{\sqrt{v_t} + \hat{\epsilon}}
$$

This is the same update when $\hat{\epsilon} = \epsilon \sqrt{1-\beta_2^t}$.
We pass the same `eps` as $\hat{\epsilon}$, so in the paper's form this
update uses $\frac{\epsilon}{\sqrt{1-\beta_2^t}}$: at most
$\frac{1}{\sqrt{1-\beta_2}} \approx 32$ times $\epsilon$ on the first step
(with $\beta_2 = 0.999$), and $\epsilon$ itself later on. Pass
`optimized_update=False` to follow the paper's formula exactly.

The default $\epsilon = 10^{-16}$ is a separate choice: it all but switches
$\epsilon$ off, so that only gradients of about $10^{-16}$ or less feel it.
PyTorch's `torch.optim.Adam` defaults to the paper's $10^{-8}$, which damps
the steps of parameters whose gradients are around $10^{-8}$ or smaller; to
reproduce it, pass `eps=1e-8` and `optimized_update=False`.

Weight decay is an object, [`WeightDecay`](__init__.py), applied to the
gradient (L2) or to the parameter (decoupled, as in AdamW) before the moments
are updated; the decoupled decay uses this step's learning rate.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import torch

from labml_nn.optimizers import GenericAdaptiveOptimizer, WeightDecay


class Adam(GenericAdaptiveOptimizer):
    r"""
    ## Adam optimizer

    * `params`: the parameters, or parameter groups, to optimize;
    * `lr`: the learning rate $\alpha$;
    * `betas`: $(\beta_1, \beta_2)$;
    * `eps`: $\epsilon$ (or $\hat{\epsilon}$ with the optimized update);
    * `weight_decay`: a [`WeightDecay`](__init__.py) object;
    * `optimized_update`: use the cheaper form of the update;
    * `defaults`: hyperparameters of subclasses, added to the group defaults.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-16, weight_decay: WeightDecay = WeightDecay(), optimized_update: bool = True,
                 defaults: dict[str, Any] | None = None) -> None:
        """Add the weight-decay coefficient to the defaults and keep the settings."""
        # Copy, so that a caller's dictionary is never modified
        defaults = dict(defaults or {})
        defaults.update(weight_decay.defaults())
        super().__init__(params, defaults, lr, betas, eps)

        self.weight_decay = weight_decay
        self.optimized_update = optimized_update

    def init_state(self, state: dict[str, Any], group: dict[str, Any], param: torch.nn.Parameter) -> None:
        """
        ### Initialise the state

        A step counter $t$, and $m_0 = v_0 = 0$ with the shape (and memory
        layout) of the parameter.
        """
        state["step"] = 0
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def get_mv(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """
        ### Update the moment estimates

        Returns $m_t$ and $v_t$; subclasses change what is returned as the
        second moment (AMSGrad returns its running maximum).
        """
        beta1, beta2 = group["betas"]
        m, v = state["exp_avg"], state["exp_avg_sq"]

        # $m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) \cdot g_t$, in place
        m.mul_(beta1).add_(grad, alpha=1 - beta1)
        # $v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) \cdot g_t^2$, in place
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)

        return m, v

    def get_lr(self, state: dict[str, Any], group: dict[str, Any]) -> float:
        """
        ### Learning rate for this step

        Constant here; the warm-up and decay schedules override this method.
        """
        return group["lr"]

    def adam_update(self, state: dict[str, Any], group: dict[str, Any], param: torch.nn.Parameter,
                    m: torch.Tensor, v: torch.Tensor, lr: float) -> None:
        """
        ### Apply the update to the parameter

        `m` and `v` are the uncorrected moments $m_t$ and $v_t$; `lr` is this
        step's learning rate.
        """
        beta1, beta2 = group["betas"]
        # $1 - \beta_1^t$ and $1 - \beta_2^t$
        bias_correction1 = 1 - beta1 ** state["step"]
        bias_correction2 = 1 - beta2 ** state["step"]

        if self.optimized_update:
            # $\sqrt{v_t} + \hat{\epsilon}$
            denominator = v.sqrt().add_(group["eps"])
            # $\alpha \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}$
            step_size = lr * math.sqrt(bias_correction2) / bias_correction1
            # $\theta_t \leftarrow \theta_{t-1} - \alpha \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}
            #  \cdot \frac{m_t}{\sqrt{v_t} + \hat{\epsilon}}$
            param.data.addcdiv_(m, denominator, value=-step_size)
        else:
            # $\sqrt{\hat{v}_t} + \epsilon = \frac{\sqrt{v_t}}{\sqrt{1-\beta_2^t}} + \epsilon$
            denominator = (v.sqrt() / math.sqrt(bias_correction2)).add_(group["eps"])
            # $\frac{\alpha}{1-\beta_1^t}$, which turns $m_t$ into $\alpha \hat{m}_t$
            step_size = lr / bias_correction1
            # $\theta_t \leftarrow \theta_{t-1} - \alpha \cdot \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}$
            param.data.addcdiv_(m, denominator, value=-step_size)

    def step_param(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor,
                   param: torch.nn.Parameter) -> None:
        """
        ### One step for one parameter
        """
        # $t \leftarrow t + 1$ first, so that the schedule gives this step's rate $\alpha_t$
        state["step"] += 1
        lr = self.get_lr(state, group)

        # Weight decay: changes the gradient (L2) or shrinks the parameter by $\alpha_t \lambda$ (decoupled)
        grad = self.weight_decay(param, grad, group, lr)

        # $m_t$ and $v_t$
        m, v = self.get_mv(state, group, grad)

        self.adam_update(state, group, param, m, v, lr)
