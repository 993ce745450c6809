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
high. RAdam instead multiplies the step by a factor $r_t$ derived from a model
of that variance. The factor is not measured from the gradients: it is a
fixed function of $t$ and $\beta_2$, a warm-up whose shape follows from the
model rather than being tuned by hand.

## How many gradients is $v_t$ worth?

$v_t$ is an exponential moving average of $g_1^2, \dots, g_t^2$. The paper
compares it with a simple average of the last $\rho_t$ squared gradients and
chooses $\rho_t$ so that both averages have the same centre of mass, the same
mean age of the gradients they weigh. Matching the two gives

\begin{align}
\rho_\infty &= \frac{2}{1 - \beta_2} - 1 \\
\rho_t &= \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}
\end{align}

$\rho_\infty$ is the length of the simple average once training has run long
enough ($1999$ for $\beta_2 = 0.999$), and $\rho_t$ grows towards it from
$\rho_1 = 1$, by almost exactly one per step at first.

## The variance of the adaptive rate

Model the gradients as Gaussian with zero mean and variance $\sigma^2$. A
simple average of $\rho$ squared gradients is then $\sigma^2$ times a
chi-squared variable with $\rho$ degrees of freedom, divided by $\rho$, and its
inverse $\psi^2 = \frac{1}{v}$ follows a scaled inverse chi-squared
distribution. The adaptive rate $\psi$ has a finite variance when $\rho > 2$,
since $\operatorname{E}[\psi^2] = \frac{\rho}{(\rho - 2)\sigma^2}$ exists only
then.

The exact variance involves Beta functions, so the paper approximates it by
the delta method: expand $\psi = \sqrt{\psi^2}$ to first order around the mean
of $\psi^2$, which gives
$\operatorname{Var}[\psi] \approx \frac{\operatorname{Var}[\psi^2]}{4 \operatorname{E}[\psi^2]}
= \frac{\rho}{2 (\rho - 2)(\rho - 4)\sigma^2}$. This approximation needs
$\rho > 4$, because $\operatorname{Var}[\psi^2]$ is finite only then.

## The rectification

$r_t$ is the factor that brings the approximate variance at step $t$ down to
its value for $\rho_\infty$; the ratio of the two variances, under a square
root because the variance of $r_t \psi$ is $r_t^2$ times that of $\psi$:

$$
r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2) \rho_t}}
$$

$\sigma$ cancels, which is why $r_t$ does not depend on the gradients. It
starts small and approaches 1 as $\rho_t \to \rho_\infty$.

![r_t against the step for several beta_2](radam_r_t.svg)

## The update

The paper's Algorithm 2 uses the rectified step once $\rho_t > 4$. The
authors' code and PyTorch's `RAdam` wait until $\rho_t > 5$, where the
approximation is less crude, and so do we:

* if $\rho_t > 5$: $\theta_t \leftarrow \theta_{t-1} - \alpha\, r_t\, \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon'}$
  with $\epsilon' = \epsilon / \sqrt{1 - \beta_2^t}$, because, like PyTorch,
  we add $\epsilon$ to $\sqrt{v_t}$ before the bias correction;
* otherwise, momentum SGD: $\theta_t \leftarrow \theta_{t-1} - \alpha\, \hat{m}_t$,
  or no update at all with `degenerated_to_sgd=False`.

With $\beta_2 = 0.999$, $\rho_5 \approx 4.996$, so the first five steps are
momentum SGD. These steps are not scale-invariant the way Adam's are: they are
$\alpha$ times the gradient itself, so their size depends on the scale of the
loss. With gradients of $10^{-4}$ and $\alpha = 10^{-3}$ they barely move the
parameters; with gradients of $10^3$ they move them by about 1.

RAdam extends [AMSGrad](amsgrad.py), so `amsgrad=True` combines the two.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import torch

from labml_nn.optimizers import WeightDecay
from labml_nn.optimizers.amsgrad import AMSGrad

# The threshold on $\rho_t$ above which the rectified adaptive step is used:
# PyTorch's and the authors' code's, one above the paper's Algorithm 2
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

    `None` while $\rho_t \le 5$, when no rectified step is taken.
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
    There is no `optimized_update`: the rectified update has the one form
    described above.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: WeightDecay = WeightDecay(),
                 amsgrad: bool = False, degenerated_to_sgd: bool = True,
                 defaults: dict[str, Any] | None = None) -> None:
        """Keep `degenerated_to_sgd` and build an [AMSGrad](amsgrad.py)."""
        self.degenerated_to_sgd = degenerated_to_sgd
        # Adam's paper form, for subclasses that also take Adam's unrectified step (AdaBelief)
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         optimized_update=False, amsgrad=amsgrad, defaults=defaults)

    def step_param(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor,
                   param: torch.nn.Parameter) -> None:
        r"""
        ### One step for one parameter
        """
        # $t \leftarrow t + 1$ first, so that the schedule gives this step's rate $\alpha_t$
        state["step"] += 1
        lr = self.get_lr(state, group)

        # Weight decay, as in [Adam](adam.py)
        grad = self.weight_decay(param, grad, group, lr)

        # $m_t$ and $v_t$ (or $v^{max}_t$ with AMSGrad)
        m, v = self.get_mv(state, group, grad)

        self.r_adam_update(state, group, param, m, v, lr)

    def r_adam_update(self, state: dict[str, Any], group: dict[str, Any], param: torch.nn.Parameter,
                      m: torch.Tensor, v: torch.Tensor, lr: float) -> None:
        r"""
        ### Apply the rectified update

        `lr` is this step's learning rate.
        """
        beta1, beta2 = group["betas"]
        # $1 - \beta_1^t$ and $1 - \beta_2^t$
        bias_correction1 = 1 - beta1 ** state["step"]
        bias_correction2 = 1 - beta2 ** state["step"]

        r = rectification(beta2, state["step"])

        if r is not None:
            # $\sqrt{v_t} + \epsilon$
            denominator = v.sqrt().add_(group["eps"])
            # $\alpha \, r_t \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}$: the corrections move into the step size
            step_size = lr * r * math.sqrt(bias_correction2) / bias_correction1
            # $\theta_t \leftarrow \theta_{t-1} - \alpha \, r_t \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t} \cdot \frac{m_t}{\sqrt{v_t} + \epsilon}$,
            # which is $\alpha \, r_t \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon'}$ with $\epsilon' = \epsilon / \sqrt{1-\beta_2^t}$
            param.data.addcdiv_(m, denominator, value=-step_size)

        elif self.degenerated_to_sgd:
            # $\theta_t \leftarrow \theta_{t-1} - \alpha \hat{m}_t$: momentum SGD with a bias-corrected momentum
            step_size = lr / bias_correction1
            param.data.add_(m, alpha=-step_size)
