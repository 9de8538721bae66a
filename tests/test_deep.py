"""The Lightning models: MTMT's parts and switches, DRM/CRM learning a cost-aware ranking, and (slow)
MTMT recovering tiered effects better than the S-learner network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from datasets import synthetic
from methods.core.base import ValidationSet
from methods.core.deep.base import GroupedLinear
from methods.core.deep.baselines import FlexTENet
from methods.core.deep.mtmt import MTMT
from methods.core.deep_adapter import batch_size_for
from methods.core.registry import discover
from metrics.aucc import aucc

REGISTRY = discover()


def split_fit(method, data, seed=0):
    n = data.n_rows
    train, valid = np.arange(n * 3 // 5), np.arange(n * 3 // 5, n * 4 // 5)
    tr, va = data.subset(train), data.subset(valid)
    method.fit(tr.X, tr.treatment, tr.y, cost=tr.cost, seed=seed,
               valid=ValidationSet(va.X, va.treatment, va.y, va.cost))  # fmt: skip
    return method, data.subset(np.arange(n * 4 // 5, n))


def test_mtmt_effect_is_base_plus_increment_and_switches_remove_parts():
    x = torch.randn(64, 5)
    net = MTMT(5, 2, 3).eval()
    parts = net.components(x)
    assert parts["base"].shape == (64, 3) and parts["incremental"].shape == (64, 2, 3)
    assert parts["attention"].shape == (64, 2, 3, 4)  # arms, tasks, tokens of each task
    torch.testing.assert_close(parts["attention"].sum(-1), torch.ones(64, 2, 3))
    torch.testing.assert_close(net.effects(x), parts["base"][:, None, :] + parts["incremental"])
    features = MTMT(5, 2, 3, attention_keys="features").eval().components(x)
    assert features["attention"].shape == (64, 2, 1, 5)
    flat = MTMT(5, 2, 3, two_tier=False, interaction=False).eval().components(x)
    assert flat["attention"] is None and torch.count_nonzero(flat["base"]) == 0
    assert MTMT(5, 2, 3, mmoe=False).encoder.count == 1


@pytest.mark.parametrize("keys", ["task", "features"])
@pytest.mark.parametrize("interaction", [True, False])
def test_mtmt_scores_every_arm_at_once_as_the_training_path_scores_one(keys, interaction):
    """effects(x)[:, k] (all arms in one pass) equals outcomes(x, k) - outcomes(x, control), the path the
    loss trains, arm by arm."""
    x = torch.randn(40, 6)
    net = MTMT(6, 3, 2, attention_keys=keys, interaction=interaction).eval()
    control = net.outcomes(x, torch.zeros(40, dtype=torch.long))
    for k in range(1, 4):
        arm = net.outcomes(x, torch.full((40,), k))
        torch.testing.assert_close(net.effects(x)[:, k - 1], arm - control)


def test_mtmt_task_attention_reads_each_tasks_own_representation():
    """With keys from the tasks' representations, perturbing one task's gate moves that task's attention
    weights and increments only."""
    torch.manual_seed(0)
    x = torch.randn(32, 6)
    net = MTMT(6, 2, 2).eval()
    before = net.components(x)
    with torch.no_grad():
        net.encoder.gates.weight[:4] += torch.randn(4, 6)  # the gate rows of task 0
    after = net.components(x)
    assert not torch.allclose(before["attention"][:, :, 0], after["attention"][:, :, 0])
    torch.testing.assert_close(before["attention"][:, :, 1], after["attention"][:, :, 1])
    torch.testing.assert_close(before["incremental"][..., 1], after["incremental"][..., 1])


def test_stop_gradient_keeps_treated_rows_from_training_the_natural_head():
    x, t, y = torch.randn(32, 4), torch.ones(32, dtype=torch.long), torch.rand(32, 1)
    for stop, expect_gradient in ((True, False), (False, True)):
        net = MTMT(4, 1, 1, stop_gradient=stop)
        net.loss((x, t, y)).backward()
        gradient = net.natural.out.weight.grad
        assert (gradient is not None and bool(gradient.abs().sum() > 0)) == expect_gradient


def test_mtmt_adapter_explains_in_outcome_units():
    data = synthetic.generate(n_rows=2000, n_arms=2, n_outcomes=2, n_features=6, seed=2)
    method, test = split_fit(REGISTRY.get("mtmt")(max_epochs=2), data)
    parts = method.explain(test.X)
    np.testing.assert_allclose(
        parts["base"][:, None, :] + parts["incremental"], method.predict(test.X), rtol=1e-4, atol=1e-6
    )
    assert parts["attention"] is None and parts["token_attention"].shape == (test.n_rows, 2, 2, 4)
    method, test = split_fit(REGISTRY.get("mtmt")(max_epochs=1, attention_keys="features"), data)
    assert method.explain(test.X)["attention"].shape == (test.n_rows, 2, 6)


def test_grouped_linear_is_a_loop_of_linear_layers():
    layer = GroupedLinear(3, 5, 4)
    x, shared = torch.randn(7, 3, 5), torch.randn(7, 5)
    for g in range(3):
        torch.testing.assert_close(layer(x)[:, g], x[:, g] @ layer.weight[g] + layer.bias[g])
        torch.testing.assert_close(layer.shared(shared)[:, g], shared @ layer.weight[g] + layer.bias[g])


def test_flextenet_penalty_is_the_reference_element_wise_form_over_every_layer():
    """Every layer counts, shared against private and private against private, element-wise on the
    overlapping block (CATENets' _ortho_penalty_asymmetric, spelt out here pair by pair)."""

    def pair(a, b):
        rows, columns = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        return torch.sum((a[:rows, :columns] * b[:rows, :columns]) ** 2)

    net = FlexTENet(5, 2, 1, hidden=8, layers=3, private=4, orthogonality=1.0)
    expected = 0.0
    for shared, private in zip(net.shared, net.private, strict=True):
        arms = list(private.weight)
        expected += sum(pair(shared.weight.T, p) for p in arms)
        expected += sum(pair(a, b) for i, a in enumerate(arms) for b in arms[i + 1 :])
    expected += sum(pair(net.shared_head.weight.T, p) for p in net.private_head.weight)
    torch.testing.assert_close(net.penalty(), expected)
    assert all(p.grad is None for p in net.private[-1].parameters())
    net.penalty().backward()
    assert net.private[-1].weight.grad.abs().sum() > 0  # the last layer is penalised too


def test_every_deep_method_gets_at_least_min_steps_per_epoch():
    assert batch_size_for(38_000, 4096, 30) == 1267
    assert batch_size_for(11_000_000, 15360, 30) == 15360
    for name in ("mtmt", "tlearner-net", "slearner-net", "tarnet", "flextenet"):
        assert REGISTRY.get(name).defaults["min_steps"] == 30


def test_deep_search_spaces_cover_width_32_to_128():
    import optuna

    for name in ("mtmt", "tlearner-net", "slearner-net", "tarnet", "flextenet"):
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        widths = {REGISTRY.get(name).search_space(study.ask())["hidden"] for _ in range(30)}
        assert widths == {32, 64, 128}, name
    assert {"experts", "tokens", "attention_dim"} <= set(REGISTRY.get("mtmt").search_space(study.ask()))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("drm", {"max_epochs": 200}),
        ("crm", {"max_epochs": 200, "temperature_every": 40}),
        ("crm", {"max_epochs": 200, "barrier": "budget", "stabiliser": "smooth-abs"}),
        ("drm", {"max_epochs": 200, "stabiliser": "epsilon", "hidden": 8}),
    ],
)
def test_ranking_models_learn_value_per_cost(name, params):
    data = synthetic.generate(n_rows=6000, n_arms=1, n_outcomes=1, n_features=6, with_cost=True, seed=4)
    method, test = split_fit(REGISTRY.get(name)(**params), data)
    area = aucc(method.rank(test.X), test.treatment, test.y[:, 0], test.cost)
    random_area = aucc(np.random.default_rng(0).random(test.n_rows), test.treatment, test.y[:, 0], test.cost)
    assert area > random_area + 0.05, (area, random_area)


@pytest.mark.slow
def test_mtmt_recovers_tiered_effects_better_than_the_s_learner_network():
    """MTMT's PEHE is below the S-learner network's on tiered effects (seeds 40-41: 0.0333 against 0.0356).
    The margin was about 40% before every deep method got at least 30 steps per epoch (the batch rule of
    commit d464bdb), which lifted the S-learner network from about 0.053. (MTMT does not beat the T-learner
    network or TARNet there: results/synthetic-recovery has the numbers.)"""
    errors = {name: [] for name in ("mtmt", "slearner-net")}
    for seed in range(2):
        data = synthetic.generate(n_rows=30000, n_arms=2, n_outcomes=2, n_features=10, seed=40 + seed)
        for name in errors:
            method, test = split_fit(REGISTRY.get(name)(max_epochs=30), data, seed)
            errors[name].append(np.sqrt(np.mean((method.predict(test.X) - test.tau) ** 2)))
    mean = {name: float(np.mean(values)) for name, values in errors.items()}
    assert mean["mtmt"] < mean["slearner-net"], mean
