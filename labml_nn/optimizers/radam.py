r"""
---
title: Rectified Adam (RAdam)
summary: RAdam corrects Adam's step size for the variance of its early second-moment estimates, and falls back to momentum SGD until that variance is finite.
---

# Rectified Adam (RAdam)

Liu et al., [*On the Variance of the Adaptive Learning Rate and Beyond*](https://arxiv.org/abs/1908.03265),
ask why [warm-up](adam_warmup.py) helps Adam, and answer: in the first steps
the adaptive learning rate $\frac{1}{\sqrt{\hat{v}_t}}$ is computed from very
few gradients, so its *variance* is large, and some steps are far larger than
intended. Warm-up hides this by keeping $\alpha$ small while the variance is
high. RAdam instead measures how large the variance is and scales the step
down by exactly the right amount.

## How reliable is $v_t$?

An exponential moving average of $t$ squared gradients behaves roughly like a
simple average over a number of them that the paper calls $\rho_t$:

\begin{align}
\rho_\infty &= \frac{2}{1 - \beta_2} - 1 \\
\rho_t &= \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}
\end{align}

$\rho_\infty$ is the length of the average once training has run long enough
($1999$ for $\beta_2 = 0.999$), and $\rho_t$ grows towards it from $\rho_1 = 1$.

If the gradients are modelled as Gaussian with zero mean, $\frac{1}{v_t}$
follows a scaled inverse chi-squared distribution with $\rho_t$ degrees of
freedom, and the variance of $\frac{1}{\sqrt{v_t}}$ is finite only when
$\rho_t > 4$. Until then no step size is trustworthy.

## The rectification

Once the variance exists, the paper approximates it and derives the factor
$r_t$ that brings the variance at step $t$ down to its value at
$t \to \infty$:

$$
r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2) \rho_t}}
$$

$r_t$ starts small and approaches 1 as $\rho_t \to \rho_\infty$: a warm-up
whose length follows from $\beta_2$ instead of being tuned by hand.

![r_t against the step for several beta_2](radam_r_t.svg)

## The update

Because the approximation is poor for small $\rho_t$, the threshold used in
practice is 5 rather than 4:

* if $\rho_t > 5$: $\theta_t \leftarrow \theta_{t-1} - \alpha\, r_t\, \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}$;
* otherwise, momentum SGD: $\theta_t \leftarrow \theta_{t-1} - \alpha\, \hat{m}_t$,
  or no update at all with `degenerated_to_sgd=False`.

With $\beta_2 = 0.999$, the first four steps are momentum SGD.

RAdam extends [AMSGrad](amsgrad.py), so `amsgrad=True` combines the two.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import torch

from labml_nn.optimizers import WeightDecay
from labml_nn.optimizers.amsgrad import AMSGrad

# The paper's threshold on $\rho_t$, above which the rectified adaptive step is used
RHO_THRESHOLD = 5.0


def rho(beta2: float, step: int) -> tuple[float, float]:
    r"""
    ### $\rho_\infty$ and $\rho_t$

    A function of its own, so that the figure script can plot $r_t$ too.
    """
    # $\rho_\infty = \frac{2}{1 - \beta_2} - 1$
    rho_inf = 2 / (1 - beta2) - 1
    # $\beta_2^t$
    beta2_t = beta2 ** step
    # $\rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}$
    rho_t = rho_inf - 2 * step * beta2_t / (1 - beta2_t)
    return rho_inf, rho_t


def rectification(beta2: float, step: int) -> float | None:
    r"""
    ### The rectification term $r_t$

    `None` while $\rho_t \le 5$, when the variance of the adaptive learning
    rate is not tractable.
    """
    rho_inf, rho_t = rho(beta2, step)
    if rho_t <= RHO_THRESHOLD:
        return None
    # $r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2) \rho_t}}$
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


class RAdam(AMSGrad):
    r"""
    ## RAdam optimizer

    The arguments are [AMSGrad's](amsgrad.py) (with `amsgrad=False` by
    default), plus `degenerated_to_sgd`: whether to take momentum SGD steps
    while $\rho_t \le 5$ (the default, as in the paper), or no step at all.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: WeightDecay = WeightDecay(), optimized_update: bool = True,
                 amsgrad: bool = False, degenerated_to_sgd: bool = True,
                 defaults: dict[str, Any] | None = None) -> None:
        """Keep `degenerated_to_sgd` and build an [AMSGrad](amsgrad.py)."""
        self.degenerated_to_sgd = degenerated_to_sgd
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         optimized_update=optimized_update, amsgrad=amsgrad, defaults=defaults)

    def step_param(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor,
                   param: torch.nn.Parameter) -> None:
        r"""
        ### One step for one parameter
        """
        # Weight decay, as in [Adam](adam.py)
        grad = self.weight_decay(param, grad, group)

        # $m_t$ and $v_t$ (or $v^{max}_t$ with AMSGrad)
        m, v = self.get_mv(state, group, grad)

        # $t \leftarrow t + 1$
        state["step"] += 1

        self.r_adam_update(state, group, param, m, v)

    def r_adam_update(self, state: dict[str, Any], group: dict[str, Any], param: torch.nn.Parameter,
                      m: torch.Tensor, v: torch.Tensor) -> None:
        r"""
        ### Apply the rectified update
        """
        beta1, beta2 = group["betas"]
        # $1 - \beta_1^t$ and $1 - \beta_2^t$
        bias_correction1 = 1 - beta1 ** state["step"]
        bias_correction2 = 1 - beta2 ** state["step"]

        lr = self.get_lr(state, group)
        r = rectification(beta2, state["step"])

        if r is not None:
            # $\sqrt{v_t} + \epsilon$
            denominator = v.sqrt().add_(group["eps"])
            # $\alpha \, r_t \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}$: the corrections move into the step size
            step_size = lr * r * math.sqrt(bias_correction2) / bias_correction1
            # $\theta_t \leftarrow \theta_{t-1} - \alpha \, r_t \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \hat{\epsilon}}$,
            # with $\hat{\epsilon} = \epsilon \sqrt{1-\beta_2^t}$ as in PyTorch's RAdam
            param.data.addcdiv_(m, denominator, value=-step_size)

        elif self.degenerated_to_sgd:
            # $\theta_t \leftarrow \theta_{t-1} - \alpha \hat{m}_t$: momentum SGD with a bias-corrected momentum
            step_size = lr / bias_correction1
            param.data.add_(m, alpha=-step_size)
