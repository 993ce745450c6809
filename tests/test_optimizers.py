"""Every optimizer, stepped side by side with an independent implementation.

The problem is a small random regression in float64. Both optimizers start
from identical parameters and see identical gradients; after every step the
parameters must agree to near machine precision.
"""

from __future__ import annotations

import copy
import math
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from adabelief_pytorch import AdaBelief as ReferenceAdaBelief
from lion_pytorch import Lion as ReferenceLion
from torch.optim.lr_scheduler import LambdaLR

from labml_nn.optimizers import GenericAdaptiveOptimizer, WeightDecay
from labml_nn.optimizers.ada_belief import AdaBelief
from labml_nn.optimizers.adam import Adam
from labml_nn.optimizers.adam_warmup import AdamWarmup
from labml_nn.optimizers.adam_warmup_cosine_decay import AdamWarmupCosineDecay
from labml_nn.optimizers.amsgrad import AMSGrad
from labml_nn.optimizers.lion import Lion
from labml_nn.optimizers.noam import Noam
from labml_nn.optimizers.radam import RAdam

STEPS = 40


class Problem:
    """A two-layer regression whose loss has an interesting, non-convex surface."""

    def __init__(self, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.x = torch.randn(32, 6, generator=generator, dtype=torch.float64)
        self.y = torch.randn(32, 2, generator=generator, dtype=torch.float64)
        self.initial = [
            torch.randn(8, 6, generator=generator, dtype=torch.float64),
            torch.randn(8, generator=generator, dtype=torch.float64),
            torch.randn(2, 8, generator=generator, dtype=torch.float64),
        ]

    def params(self) -> list[torch.nn.Parameter]:
        return [torch.nn.Parameter(p.clone()) for p in self.initial]

    def loss(self, params: list[torch.Tensor]) -> torch.Tensor:
        w1, b1, w2 = params
        return ((torch.tanh(self.x @ w1.T + b1) @ w2.T - self.y) ** 2).mean()

    def backward(self, params: list[torch.Tensor]) -> torch.Tensor:
        for p in params:
            p.grad = None
        loss = self.loss(params)
        loss.backward()
        return loss


def run_side_by_side(make_ours, make_reference, steps: int = STEPS, schedule=None, seed: int = 0) -> None:
    problem = Problem(seed)
    ours_params, ref_params = problem.params(), problem.params()
    ours = make_ours(ours_params)
    reference = make_reference(ref_params)
    scheduler = schedule(reference) if schedule else None
    for step in range(1, steps + 1):
        problem.backward(ours_params)
        problem.backward(ref_params)
        ours.step()
        reference.step()
        if scheduler:
            scheduler.step()
        for a, b in zip(ours_params, ref_params):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12, msg=lambda m: f"step {step}: {m}")
    # The optimizers must actually have moved the parameters
    assert not torch.allclose(ours_params[0], problem.initial[0])


# --- Adam and AMSGrad against PyTorch ---------------------------------------------------------

@pytest.mark.parametrize("optimized_update", [False, True])
def test_adam_matches_torch_adam(optimized_update: bool) -> None:
    # eps is tiny so that where it enters the formula does not matter
    eps = 1e-8 if not optimized_update else 1e-16
    run_side_by_side(
        lambda p: Adam(p, lr=1e-2, betas=(0.8, 0.95), eps=eps, optimized_update=optimized_update),
        lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.8, 0.95), eps=eps, foreach=False),
    )


def test_adam_with_l2_decay_matches_torch_adam() -> None:
    run_side_by_side(
        lambda p: Adam(p, lr=1e-2, eps=1e-8, optimized_update=False,
                       weight_decay=WeightDecay(0.1, weight_decouple=False)),
        lambda p: torch.optim.Adam(p, lr=1e-2, eps=1e-8, weight_decay=0.1, foreach=False),
    )


def test_adam_with_decoupled_decay_matches_torch_adamw() -> None:
    run_side_by_side(
        lambda p: Adam(p, lr=1e-2, eps=1e-8, optimized_update=False, weight_decay=WeightDecay(0.1)),
        lambda p: torch.optim.AdamW(p, lr=1e-2, eps=1e-8, weight_decay=0.1, foreach=False),
    )


def test_l2_decay_leaves_the_stored_gradient_alone() -> None:
    param = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    param.grad = torch.full((3,), 0.5, dtype=torch.float64)
    Adam([param], weight_decay=WeightDecay(0.1, weight_decouple=False)).step()
    assert torch.equal(param.grad, torch.full((3,), 0.5, dtype=torch.float64))


def test_absolute_decay_does_not_follow_the_learning_rate() -> None:
    param = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    param.grad = torch.zeros(3, dtype=torch.float64)
    Lion([param], lr=0.5, weight_decay=WeightDecay(0.1, absolute=True)).step()
    torch.testing.assert_close(param.data, torch.full((3,), 0.9, dtype=torch.float64))


@pytest.mark.parametrize("optimized_update", [False, True])
def test_amsgrad_matches_torch_amsgrad(optimized_update: bool) -> None:
    eps = 1e-8 if not optimized_update else 1e-16
    run_side_by_side(
        lambda p: AMSGrad(p, lr=1e-2, eps=eps, optimized_update=optimized_update, weight_decay=WeightDecay(0.05)),
        lambda p: torch.optim.AdamW(p, lr=1e-2, eps=eps, amsgrad=True, weight_decay=0.05, foreach=False),
    )


def test_amsgrad_off_is_adam() -> None:
    run_side_by_side(
        lambda p: AMSGrad(p, lr=1e-2, eps=1e-8, optimized_update=False, amsgrad=False),
        lambda p: torch.optim.Adam(p, lr=1e-2, eps=1e-8, foreach=False),
    )


# --- RAdam against PyTorch ----------------------------------------------------------------------

@pytest.mark.parametrize("beta2", [0.999, 0.99])
def test_radam_matches_torch_radam(beta2: float) -> None:
    run_side_by_side(
        lambda p: RAdam(p, lr=1e-2, betas=(0.9, beta2), eps=1e-8),
        lambda p: torch.optim.RAdam(p, lr=1e-2, betas=(0.9, beta2), eps=1e-8, foreach=False),
        steps=60,
    )


def test_radam_with_l2_decay_matches_torch_radam() -> None:
    run_side_by_side(
        lambda p: RAdam(p, lr=1e-2, eps=1e-8, weight_decay=WeightDecay(0.1, weight_decouple=False)),
        lambda p: torch.optim.RAdam(p, lr=1e-2, eps=1e-8, weight_decay=0.1, foreach=False),
    )


def test_radam_without_sgd_fallback_waits_until_the_variance_is_tractable() -> None:
    problem = Problem()
    params = problem.params()
    optimizer = RAdam(params, lr=1e-2, degenerated_to_sgd=False)
    # With beta2 = 0.999, rho_t <= 5 for t <= 5
    rho_inf = 2 / (1 - 0.999) - 1
    first_tractable = next(t for t in range(1, 100)
                           if rho_inf - 2 * t * 0.999 ** t / (1 - 0.999 ** t) > 5)
    for _ in range(first_tractable - 1):
        problem.backward(params)
        optimizer.step()
    assert torch.equal(params[0].data, problem.initial[0])
    problem.backward(params)
    optimizer.step()
    assert not torch.equal(params[0].data, problem.initial[0])


# --- AdaBelief against the authors' reference implementation -----------------------------------

@pytest.mark.parametrize("rectify", [True, False])
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize(
    ("decay", "reference_decay"),
    [
        (WeightDecay(0.0), dict(weight_decay=0.0)),
        (WeightDecay(0.1), dict(weight_decay=0.1, weight_decouple=True)),
        (WeightDecay(0.1, absolute=True), dict(weight_decay=0.1, weight_decouple=True, fixed_decay=True)),
        (WeightDecay(0.1, weight_decouple=False), dict(weight_decay=0.1, weight_decouple=False)),
    ],
    ids=["no-decay", "decoupled", "absolute", "l2"],
)
def test_adabelief_matches_reference(rectify: bool, amsgrad: bool, decay: WeightDecay, reference_decay: dict) -> None:
    def reference(params):
        with warnings.catch_warnings(), _silence():
            warnings.simplefilter("ignore")
            return ReferenceAdaBelief(params, lr=1e-2, eps=1e-12, amsgrad=amsgrad, rectify=rectify,
                                      print_change_log=False, **reference_decay)

    run_side_by_side(
        lambda p: AdaBelief(p, lr=1e-2, eps=1e-12, amsgrad=amsgrad, rectify=rectify, weight_decay=decay),
        reference,
        steps=30,
    )


def test_adabelief_without_sgd_fallback_matches_reference() -> None:
    def reference(params):
        with _silence():
            return ReferenceAdaBelief(params, lr=1e-2, eps=1e-12, degenerated_to_sgd=False, print_change_log=False)

    run_side_by_side(lambda p: AdaBelief(p, lr=1e-2, eps=1e-12, degenerated_to_sgd=False), reference, steps=30)


def test_adabelief_old_argument_name_warns_and_still_works() -> None:
    def reference(params):
        with _silence():
            return ReferenceAdaBelief(params, lr=1e-2, eps=1e-12, degenerated_to_sgd=False, print_change_log=False)

    def ours(params):
        with pytest.warns(DeprecationWarning, match="degenerated_to_sgd"):
            return AdaBelief(params, lr=1e-2, eps=1e-12, degenerate_to_sgd=False)

    run_side_by_side(ours, reference, steps=30)


def test_adabelief_second_moment_never_falls_below_its_epsilon_floor() -> None:
    # A constant gradient: the residual g_t - m_t = beta1^t g vanishes, leaving the accumulated epsilons
    eps, beta2 = 1e-6, 0.9
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = AdaBelief([param], lr=1e-3, betas=(0.5, beta2), eps=eps, rectify=False)
    for t in range(1, 200):
        param.grad = torch.ones(1, dtype=torch.float64)
        optimizer.step()
        floor = eps * (1 - beta2 ** t) / (1 - beta2)
        s = optimizer.state[param]["exp_avg_var"].item()
        assert s >= floor * (1 - 1e-12)
    # ... and reaches it: s_t / (1 - beta2^t) tends to eps / (1 - beta2)
    assert s / (1 - beta2 ** t) == pytest.approx(eps / (1 - beta2), rel=1e-4)


class _silence:
    """The reference prints its settings on creation; keep the test log clean."""

    def __enter__(self):
        import contextlib
        import io

        self._redirect = contextlib.redirect_stdout(io.StringIO())
        return self._redirect.__enter__()

    def __exit__(self, *exc):
        return self._redirect.__exit__(*exc)


# --- Lion against lion-pytorch -----------------------------------------------------------------

@pytest.mark.parametrize("weight_decay", [0.0, 0.5])
def test_lion_matches_lion_pytorch(weight_decay: float) -> None:
    run_side_by_side(
        lambda p: Lion(p, lr=1e-3, betas=(0.9, 0.99), weight_decay=WeightDecay(weight_decay)),
        lambda p: ReferenceLion(p, lr=1e-3, betas=(0.9, 0.99), weight_decay=weight_decay),
    )


# --- Schedules against their closed forms, through PyTorch's LambdaLR ---------------------------
# LambdaLR counts from 0 before the first step; our step counter t starts at 1.

def test_warmup_follows_its_closed_form() -> None:
    w = 10
    run_side_by_side(
        lambda p: AdamWarmup(p, lr=1e-2, eps=1e-8, optimized_update=False, warmup=w),
        lambda p: torch.optim.Adam(p, lr=1e-2, eps=1e-8, foreach=False),
        schedule=lambda opt: LambdaLR(opt, lambda e: min(1.0, (e + 1) / w)),
    )


def warmup_cosine_rate(w: int, total: int):
    """The multiplier of the base rate at LambdaLR's epoch e, which is our step t = e + 1."""
    def closed_form(e: int) -> float:
        t = e + 1
        if t < w:
            return t / w
        if t > total:
            return 0.0
        return 0.5 * (1 + math.cos(math.pi * (t - w) / (total - w)))
    return closed_form


def noam_rate(w: int, d_model: int):
    """The paper's rate for alpha = 1; without warm-up (w = 0) only the 1 / sqrt(t) term."""
    def closed_form(e: int) -> float:
        t = e + 1
        rate = t ** -0.5 if w == 0 else min(t ** -0.5, t * w ** -1.5)
        return d_model ** -0.5 * rate
    return closed_form


def test_warmup_cosine_decay_follows_its_closed_form() -> None:
    w, total = 5, 30
    run_side_by_side(
        lambda p: AdamWarmupCosineDecay(p, lr=1e-2, eps=1e-8, optimized_update=False, warmup=w, total_steps=total),
        lambda p: torch.optim.Adam(p, lr=1e-2, eps=1e-8, foreach=False),
        schedule=lambda opt: LambdaLR(opt, warmup_cosine_rate(w, total)),
        steps=40,
    )


@pytest.mark.parametrize("warmup", [0, 8])
def test_noam_follows_its_closed_form(warmup: int) -> None:
    run_side_by_side(
        lambda p: Noam(p, lr=1.0, eps=1e-8, optimized_update=False, warmup=warmup, d_model=64),
        lambda p: torch.optim.Adam(p, lr=1.0, betas=(0.9, 0.98), eps=1e-8, foreach=False),
        schedule=lambda opt: LambdaLR(opt, noam_rate(warmup, 64)),
    )


# --- The base class's contract -----------------------------------------------------------------

def test_parameter_groups_keep_their_own_learning_rates() -> None:
    def groups(params):
        return [{"params": params[:2], "lr": 1e-2}, {"params": params[2:], "lr": 3e-3, "weight_decay": 0.2}]

    run_side_by_side(
        lambda p: Adam(groups(p), lr=1.0, eps=1e-8, optimized_update=False, weight_decay=WeightDecay(0.0)),
        lambda p: torch.optim.AdamW(groups(p), lr=1.0, eps=1e-8, weight_decay=0.0, foreach=False),
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda p: Adam(p, lr=1e-2),
        lambda p: AMSGrad(p, lr=1e-2),
        lambda p: Noam(p, lr=1.0, warmup=4, d_model=16),
        lambda p: RAdam(p, lr=1e-2),
        lambda p: AdaBelief(p, lr=1e-2, amsgrad=True),
        lambda p: Lion(p, lr=1e-3),
    ],
    ids=["adam", "amsgrad", "noam", "radam", "adabelief", "lion"],
)
def test_state_dict_round_trip_continues_identically(make) -> None:
    problem = Problem(seed=3)
    straight = problem.params()
    straight_opt = make(straight)
    resumed = problem.params()
    resumed_opt = make(resumed)
    for _ in range(7):
        for params, opt in ((straight, straight_opt), (resumed, resumed_opt)):
            problem.backward(params)
            opt.step()
    # Save, then restore into a brand-new optimizer over copied parameters
    saved = copy.deepcopy(resumed_opt.state_dict())
    restored_params = [torch.nn.Parameter(p.detach().clone()) for p in resumed]
    restored_opt = make(restored_params)
    restored_opt.load_state_dict(saved)
    for _ in range(7):
        for params, opt in ((straight, straight_opt), (restored_params, restored_opt)):
            problem.backward(params)
            opt.step()
    for a, b in zip(straight, restored_params):
        assert torch.equal(a, b)


def test_closure_is_evaluated_with_gradients_and_its_loss_returned() -> None:
    problem = Problem()
    params = problem.params()
    optimizer = Adam(params, lr=1e-2)
    calls = []

    def closure():
        calls.append(1)
        return problem.backward(params)

    loss = optimizer.step(closure)
    assert calls == [1]
    assert torch.isclose(loss, problem.loss(problem.initial))
    assert not torch.equal(params[0].data, problem.initial[0])


def test_parameters_without_gradients_are_skipped() -> None:
    used = torch.nn.Parameter(torch.ones(2))
    unused = torch.nn.Parameter(torch.ones(2))
    optimizer = Adam([used, unused], lr=0.1)
    used.grad = torch.ones(2)
    optimizer.step()
    assert torch.equal(unused.data, torch.ones(2)) and len(optimizer.state[unused]) == 0
    assert not torch.equal(used.data, torch.ones(2))


def test_sparse_gradients_are_refused_clearly() -> None:
    embedding = torch.nn.Embedding(10, 3, sparse=True)
    embedding(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="Adam does not support sparse gradients"):
        Adam(embedding.parameters()).step()


def test_the_base_class_demands_step_param() -> None:
    param = torch.nn.Parameter(torch.ones(1))
    param.grad = torch.ones(1)
    optimizer = GenericAdaptiveOptimizer([param], {}, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    with pytest.raises(NotImplementedError):
        optimizer.step()


@pytest.mark.parametrize(
    "make",
    [
        lambda p: Adam(p, lr=-1e-3),
        lambda p: Adam(p, lr=float("nan")),
        lambda p: Adam(p, eps=-1.0),
        lambda p: Adam(p, betas=(1.0, 0.999)),
        lambda p: Adam(p, betas=(0.9, -0.1)),
        lambda p: Adam(p, betas=(0.9,)),
        lambda p: Adam(p, weight_decay=WeightDecay(-0.1)),
        lambda p: Adam(p, weight_decay=WeightDecay(2.0, absolute=True)),
        lambda p: AdamWarmup(p, warmup=-1),
        lambda p: AdamWarmupCosineDecay(p, warmup=100, total_steps=100),
        lambda p: Noam(p, d_model=0),
        lambda p: Lion(p, betas=(0.9, 1.5)),
        lambda p: AdaBelief(p, lr=-1.0),
    ],
)
def test_bad_hyperparameters_raise_value_error(make) -> None:
    with pytest.raises(ValueError):
        make([torch.nn.Parameter(torch.ones(1))])


def test_adabelief_passes_its_arguments_to_the_right_parent_parameters() -> None:
    optimizer = AdaBelief([torch.nn.Parameter(torch.ones(1))], lr=0.3, betas=(0.5, 0.6), eps=1e-5,
                          amsgrad=True, degenerated_to_sgd=False, rectify=False)
    group = optimizer.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["amsgrad"]) == (0.3, (0.5, 0.6), 1e-5, True)
    assert optimizer.degenerated_to_sgd is False and optimizer.rectify is False


# --- Decoupled weight decay follows the scheduled rate, as torch.optim.AdamW does ---------------
# AdamW multiplies the parameter by (1 - lr * weight_decay) with the rate its scheduler set for the
# step; LambdaLR gives it the same per-step rate as our get_lr.

@pytest.mark.parametrize(
    ("make_ours", "base_lr", "rate"),
    [
        (lambda p, d: AdamWarmup(p, lr=1e-2, eps=1e-8, optimized_update=False, warmup=10, weight_decay=d),
         1e-2, lambda e: min(1.0, (e + 1) / 10)),
        (lambda p, d: AdamWarmupCosineDecay(p, lr=1e-2, eps=1e-8, optimized_update=False, warmup=5,
                                            total_steps=30, weight_decay=d),
         1e-2, warmup_cosine_rate(5, 30)),
        (lambda p, d: Noam(p, eps=1e-9, optimized_update=False, warmup=8, d_model=64, weight_decay=d),
         1.0, noam_rate(8, 64)),
    ],
    ids=["warmup", "warmup-cosine", "noam"],
)
def test_decoupled_decay_with_a_schedule_matches_adamw(make_ours, base_lr: float, rate) -> None:
    betas = (0.9, 0.98) if base_lr == 1.0 else (0.9, 0.999)
    eps = 1e-9 if base_lr == 1.0 else 1e-8
    run_side_by_side(
        lambda p: make_ours(p, WeightDecay(0.5)),
        lambda p: torch.optim.AdamW(p, lr=base_lr, betas=betas, eps=eps, weight_decay=0.5, foreach=False),
        schedule=lambda opt: LambdaLR(opt, rate),
        steps=40,
    )


def test_decay_stops_when_the_cosine_reaches_zero() -> None:
    # The example: zero gradients, theta_0 = 1, lambda = 0.5, lr 0.05, warm-up 3, total 10.
    # Adam's update is 0 for zero gradients, so only the decay moves theta: theta_t = prod (1 - alpha_s lambda)
    lam, lr, w, total = 0.5, 0.05, 3, 10
    param = torch.nn.Parameter(torch.ones(1, dtype=torch.float64))
    optimizer = AdamWarmupCosineDecay([param], lr=lr, warmup=w, total_steps=total, weight_decay=WeightDecay(lam))
    reference = torch.nn.Parameter(torch.ones(1, dtype=torch.float64))
    adamw = torch.optim.AdamW([reference], lr=lr, weight_decay=lam, foreach=False)
    scheduler = LambdaLR(adamw, warmup_cosine_rate(w, total))
    expected = 1.0
    for t in range(1, 15):
        param.grad = torch.zeros_like(param)
        reference.grad = torch.zeros_like(reference)
        optimizer.step()
        adamw.step()
        scheduler.step()
        expected *= 1 - lr * lam * warmup_cosine_rate(w, total)(t - 1)
        assert param.item() == pytest.approx(reference.item(), rel=1e-12)
        assert param.item() == pytest.approx(expected, rel=1e-12)
        if t == total:
            after_total = param.item()
    # The rate is 0 after step T, and so is the decay
    assert param.item() == after_total
    assert after_total == pytest.approx(0.881, abs=1e-3)


def test_absolute_decay_ignores_the_schedule() -> None:
    # (1 - lambda) on every step, during warm-up as after it
    param = torch.nn.Parameter(torch.ones(1, dtype=torch.float64))
    optimizer = AdamWarmup([param], lr=1e-3, warmup=100, weight_decay=WeightDecay(0.1, absolute=True))
    for t in range(1, 6):
        param.grad = torch.zeros_like(param)
        optimizer.step()
        assert param.item() == pytest.approx(0.9 ** t, rel=1e-12)


def test_noam_defaults_are_the_papers_settings() -> None:
    # Attention Is All You Need: Adam(0.9, 0.98, eps 1e-9), rate d_model^-0.5 min(t^-0.5, t w^-1.5), w = 4000
    run_side_by_side(
        lambda p: Noam(p, optimized_update=False),
        lambda p: torch.optim.Adam(p, lr=1.0, betas=(0.9, 0.98), eps=1e-9, foreach=False),
        schedule=lambda opt: LambdaLR(opt, noam_rate(4000, 512)),
    )


# --- Claims the pages make, against closed forms and the papers --------------------------------

@settings(max_examples=50, deadline=None)
@given(scale=st.floats(1e-6, 1e6), signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=1, max_size=5),
       optimized_update=st.booleans())
def test_adams_first_step_is_lr_times_the_sign_of_the_gradient(scale, signs, optimized_update) -> None:
    # With the bias corrections, m_1 / sqrt(v_1) = g_1 / |g_1|, whatever the gradient's size
    signs = torch.tensor(signs, dtype=torch.float64)
    param = torch.nn.Parameter(torch.zeros_like(signs))
    param.grad = signs * scale
    Adam([param], lr=1e-2, eps=1e-16, optimized_update=optimized_update).step()
    # Up to what epsilon adds to the denominator: at most eps / sqrt(1 - beta2) beside |g_1| (optimized form)
    epsilon_share = 1e-16 / (scale * math.sqrt(1 - 0.999))
    torch.testing.assert_close(param.data, -1e-2 * signs, rtol=1e-9 + epsilon_share, atol=0)


def test_amsgrad_step_size_can_grow() -> None:
    # beta1 = 0 makes m_hat_t = g_t, so |delta theta| / g_t is the effective rate alpha / sqrt(v_max_t / (1 - beta2^t))
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = AMSGrad([param], lr=1e-3, betas=(0.0, 0.999), eps=1e-16)
    rates = {}
    for t in range(1, 2001):
        g = 1.0 if t == 1 else 1e-2
        before = param.item()
        param.grad = torch.full_like(param, g)
        optimizer.step()
        rates[t] = (before - param.item()) / g
    # The figures, from the closed form: v_max stays at (1 - beta2) after the first step
    for t in (2, 2000):
        assert rates[t] == pytest.approx(1e-3 / math.sqrt((1 - 0.999) / (1 - 0.999 ** t)), rel=1e-9)
    assert rates[2] == pytest.approx(1.4e-3, rel=0.02) and rates[2000] == pytest.approx(2.9e-2, rel=0.02)


def test_reddi_counterexample_adam_goes_to_the_worst_point_amsgrad_to_the_best() -> None:
    # Reddi et al. (2018), section 5: the optimum of the average loss is theta = -1
    from labml_nn.optimizers.amsgrad import counterexample

    adam, amsgrad = counterexample(amsgrad=False), counterexample(amsgrad=True)
    assert sum(adam[-101:]) / 101 > 0.95
    assert sum(amsgrad[-101:]) / 101 < -0.9


def test_radam_takes_five_sgd_steps_with_the_default_beta2() -> None:
    # rho_5 = 4.996 <= 5 < rho_6; momentum SGD steps are alpha * m_hat_t, proportional to the gradient
    from labml_nn.optimizers.radam import rho

    assert [t for t in range(1, 10) if rho(0.999, t)[1] <= 5] == [1, 2, 3, 4, 5]
    for scale in (1e-4, 1e3):
        param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        optimizer = RAdam([param], lr=1e-3)
        for _ in range(5):
            param.grad = torch.full_like(param, scale)
            optimizer.step()
        # Constant gradients: m_hat_t = g on every step, so five steps of -alpha * g
        assert param.item() == pytest.approx(-5e-3 * scale, rel=1e-12)


def test_radam_epsilon_is_added_before_the_bias_correction_as_in_torch() -> None:
    # A large eps makes the form of the denominator visible
    run_side_by_side(
        lambda p: RAdam(p, lr=1e-2, eps=0.3),
        lambda p: torch.optim.RAdam(p, lr=1e-2, eps=0.3, foreach=False),
        steps=30,
    )


def test_radam_has_no_optimized_update_switch() -> None:
    with pytest.raises(TypeError, match="optimized_update"):
        RAdam([torch.nn.Parameter(torch.ones(1))], optimized_update=True)
