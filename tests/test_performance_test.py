"""The performance script: its variants compute the same update, and its rounds are interleaved."""

from __future__ import annotations

import statistics

import torch

from labml_nn.optimizers import performance_test as perf


def test_every_variant_computes_the_same_update_as_torch_for_loop() -> None:
    # The timings compare implementations of one computation, so the results must agree
    params = perf.make_params(count=7, size=33)
    results = {}
    for name, make in perf.VARIANTS.items():
        copies = perf.copy_params(params)
        optimizer = make(copies)
        for _ in range(5):
            optimizer.step()
        results[name] = copies
    for name, copies in results.items():
        for a, b in zip(copies, results["torch for-loop"]):
            torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7, msg=lambda m: f"{name}: {m}")
    assert not torch.equal(results["labml_nn Adam"][0], params[0])


def test_copies_are_independent() -> None:
    params = perf.make_params(count=2, size=4)
    copies = perf.copy_params(params)
    copies[0].data.add_(1.0)
    copies[0].grad.add_(1.0)
    assert not torch.equal(copies[0], params[0]) and not torch.equal(copies[0].grad, params[0].grad)


class Recorder:
    """An optimizer that logs its steps and advances a fake clock by its own cost."""

    def __init__(self, name: str, cost: float, log: list[str], clock: list[float]) -> None:
        self.name, self.cost, self.log, self.clock = name, cost, log, clock

    def step(self) -> None:
        self.log.append(self.name)
        self.clock[0] += self.cost


def test_rounds_rotate_the_order_and_time_each_variant_by_its_own_steps() -> None:
    log: list[str] = []
    clock = [0.0]
    costs = {"a": 1.0, "b": 2.0, "c": 4.0}
    optimizers = {name: Recorder(name, cost, log, clock) for name, cost in costs.items()}
    times = perf.interleaved_times(optimizers, rounds=4, steps=2, clock=lambda: clock[0])
    # Who starts each round: a, b, c, then a again
    starts = [log[6 * k] for k in range(4)]
    assert starts == ["a", "b", "c", "a"]
    assert all(log.count(name) == 8 for name in costs)
    # Seconds per step, whatever the position in the round
    assert times == {name: [cost] * 4 for name, cost in costs.items()}


def test_summary_is_the_median_and_quartiles() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    median, low, high = perf.summary(values)
    assert median == statistics.median(values) == 3.0
    assert (low, high) == (2.0, 4.0)
