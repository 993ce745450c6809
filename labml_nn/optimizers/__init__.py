r"""
---
title: Optimizers
summary: >
  A family of adaptive optimizers for PyTorch (Adam, AMSGrad, warm-up schedules,
  Noam, RAdam, AdaBelief, Lion) built on one small base class, each explained
  next to its code.
---

# Optimizers

Training a network means nudging its parameters $\theta$ against the gradient
of a loss, $g_t = \nabla_\theta f_t(\theta_{t-1})$, many thousands of times.
Plain gradient descent takes the step $\theta_t = \theta_{t-1} - \alpha g_t$
with one learning rate $\alpha$ for every parameter. The optimizers on these
pages are *adaptive*: they keep running statistics of past gradients and use
them to choose a step size for each parameter separately.

They are written as a family. This page holds the two pieces they share:

* [`GenericAdaptiveOptimizer`](#generic-adaptive-optimizer), a
  `torch.optim.Optimizer` that owns the loop over parameters and leaves two
  small hooks to its subclasses;
* [`WeightDecay`](#weight-decay), an object that each optimizer is given to
  apply L2 regularisation or decoupled weight decay.

Then, in the order it makes sense to read them:

| page | what it adds |
|---|---|
| [Adam](adam.py) | moment estimates with bias correction |
| [AMSGrad](amsgrad.py) | a second moment that never decreases |
| [Adam with warm-up](adam_warmup.py) | a learning rate that grows linearly at first |
| [Warm-up and cosine decay](adam_warmup_cosine_decay.py) | then shrinks along a cosine to zero |
| [Noam](noam.py) | the Transformer paper's schedule, scaled by model width |
| [RAdam](radam.py) | a rectified step while the second moment is unreliable |
| [AdaBelief](ada_belief.py) | steps scaled by how much the gradient surprises us |
| [Lion](lion.py) | only the sign of a momentum, no second moment at all |
| [MNIST experiment](mnist_experiment.py) | trains a small network with any of them, over several seeds |
| [Performance test](performance_test.py) | times our Adam against PyTorch's three implementations |
| [Figures](figures.py) | draws the schedules, RAdam's $r_t$, the AMSGrad counterexample and the experiment's losses |

Each page shows the maths in the notation of its paper, directly above the
tensor operations that compute it. The tests step every optimizer side by side
with an independent implementation (PyTorch's own, or the paper authors'
reference code) and compare the parameters after every step.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import torch
from torch.optim.optimizer import Optimizer

__all__ = ["GenericAdaptiveOptimizer", "WeightDecay"]


class GenericAdaptiveOptimizer(Optimizer):
    r"""
    ## Generic adaptive optimizer

    Every optimizer in this family does the same bookkeeping on each call of
    `step()`: go through the parameter groups, skip parameters that received
    no gradient, create per-parameter state the first time a parameter is
    seen, then update the parameter. Only the last two steps differ from one
    optimizer to the next, so subclasses override two hooks:

    * `init_state(state, group, param)` fills an empty state dictionary;
    * `step_param(state, group, grad, param)` updates one parameter.

    The constructor takes the arguments every member of the family shares:

    * `params` is an iterable of tensors, or of dictionaries that define
      parameter groups with their own settings;
    * `defaults` holds the subclass's own hyperparameters, which every group
      inherits unless it sets them itself;
    * `lr` is the learning rate $\alpha$;
    * `betas` is $(\beta_1, \beta_2)$, the decay rates of the running averages;
    * `eps` is $\epsilon$, which keeps a division away from zero.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any], lr: float,
                 betas: tuple[float, float], eps: float) -> None:
        """Check the shared hyperparameters and register them with PyTorch."""
        # Check the shared hyperparameters once, here, with messages that say what is wrong.
        # `not lr >= 0` (rather than `lr < 0`) also rejects NaN.
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta} (must be in [0, 1))")

        # The shared hyperparameters join the subclass's defaults
        defaults = {**defaults, "lr": lr, "betas": tuple(betas), "eps": eps}
        super().__init__(params, defaults)

    def init_state(self, state: dict[str, Any], group: dict[str, Any], param: torch.nn.Parameter) -> None:
        """
        ### Initialise the state of a parameter

        `state` is the empty dictionary that PyTorch keeps for `param`; this
        hook fills it (with moment estimates, a step counter, ...).
        """

    def step_param(self, state: dict[str, Any], group: dict[str, Any], grad: torch.Tensor,
                   param: torch.nn.Parameter) -> None:
        """
        ### Update one parameter

        `grad` is the gradient of `param`; `group` holds the hyperparameters of
        the group it belongs to. The update is done in place on `param`.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement step_param()")

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """
        ### Take one optimization step

        `closure`, if given, recomputes the loss (with gradients) and returns
        it, as some training loops require. Updates run under `no_grad`, since
        they must not be recorded by autograd.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        for group in self.param_groups:
            for param in group["params"]:
                # A parameter that took no part in the loss has no gradient; leave it alone
                if param.grad is None:
                    continue
                grad = param.grad
                if grad.is_sparse:
                    raise RuntimeError(
                        f"{type(self).__name__} does not support sparse gradients; "
                        "use torch.optim.SparseAdam for sparse embeddings"
                    )

                # PyTorch gives every parameter a state dictionary, empty until first used
                state = self.state[param]
                if len(state) == 0:
                    self.init_state(state, group, param)

                self.step_param(state, group, grad, param)

        return loss


class WeightDecay:
    r"""
    ## Weight decay

    Weight decay pulls every parameter towards zero a little on each step.
    There are two ways to do it, and for adaptive optimizers they are not the
    same thing:

    * **L2 regularisation** adds $\frac{\lambda}{2}\|\theta\|^2$ to the loss,
      which adds $\lambda \theta_{t-1}$ to the gradient:
      $g_t \leftarrow g_t + \lambda \theta_{t-1}$. The decay then passes
      through the optimizer's adaptive scaling, so parameters with large
      gradients are decayed less.
    * **Decoupled weight decay** (Loshchilov and Hutter,
      [*Decoupled Weight Decay Regularization*](https://arxiv.org/abs/1711.05101),
      the "W" in AdamW) shrinks the parameter directly,
      $\theta_{t-1} \leftarrow (1 - \alpha_t \lambda)\, \theta_{t-1}$, and leaves
      the gradient alone, so every parameter decays at the same rate.

    $\alpha_t$ is the learning rate of this very step, as the optimizer's
    schedule gives it (`get_lr`), not the base rate $\alpha$: during a
    warm-up the decay grows with the rate, and once a cosine schedule has
    brought the rate to zero, the decay stops too. This is what
    `torch.optim.AdamW` does when a scheduler sets its rate.

    The settings:

    * `weight_decay` is the coefficient $\lambda$;
    * `weight_decouple` picks decoupled decay (the default) over L2;
    * `absolute`, for decoupled decay, uses $(1 - \lambda)$ instead of
      $(1 - \alpha_t\lambda)$, a fixed shrinkage on every step, whatever the
      learning rate or its schedule.
    """

    def __init__(self, weight_decay: float = 0.0, weight_decouple: bool = True, absolute: bool = False) -> None:
        """Check and keep the settings; the coefficient itself goes to the group defaults."""
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if absolute and not weight_decay <= 1.0:
            raise ValueError(f"With absolute=True, weight_decay must be at most 1, got {weight_decay}")
        self.weight_decay = weight_decay
        self.weight_decouple = weight_decouple
        self.absolute = absolute

    def defaults(self) -> dict[str, float]:
        """
        The coefficient goes into the optimizer's defaults, so that a parameter
        group can override it (for example, no decay for biases).
        """
        return {"weight_decay": self.weight_decay}

    def __call__(self, param: torch.nn.Parameter, grad: torch.Tensor, group: dict[str, Any],
                 lr: float) -> torch.Tensor:
        r"""
        Apply the decay to `param` (decoupled) or to the gradient (L2), and
        return the gradient the optimizer should use. `lr` is $\alpha_t$, the
        rate the optimizer uses on this step.
        """
        decay = group["weight_decay"]

        if self.weight_decouple:
            # $\theta_{t-1} \leftarrow (1 - \lambda)\, \theta_{t-1}$
            if self.absolute:
                param.data.mul_(1.0 - decay)
            # $\theta_{t-1} \leftarrow (1 - \alpha_t \lambda)\, \theta_{t-1}$
            else:
                param.data.mul_(1.0 - lr * decay)
            return grad

        # $g_t + \lambda \theta_{t-1}$, as a new tensor: `param.grad` itself is left as it was
        if decay != 0:
            return grad.add(param.data, alpha=decay)
        return grad
