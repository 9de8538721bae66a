"""DRM/CRM under the 2020 code's recipe (batched initialisations, its gate, selection on validation) and
the causal forest's ratio rules."""

import numpy as np
import pytest
import torch

from datasets import synthetic
from methods.core.base import ratio_score
from methods.core.deep.ranking import RankingModel, treated_first
from methods.core.registry import discover
from metrics.aucc import aucc

REGISTRY = discover()


def batch(n=400, d=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    treated = (torch.rand(n, generator=g) < 0.5).float()
    value = x[:, 0] * treated + torch.rand(n, generator=g)
    cost = (x[:, 1] + 2) * treated + torch.rand(n, generator=g)
    order = torch.as_tensor(treated_first(treated.numpy()))
    return tuple(t[order] for t in (x, treated, value, cost, torch.ones(n)))


def train(model, data, steps=30):
    optimiser = model.configure_optimizers()
    for _ in range(steps):
        optimiser.zero_grad()
        model.objectives(data).sum().backward()
        optimiser.step()


@pytest.mark.parametrize("params", [{}, {"barrier": "quantile", "score": "linear"}, {"hidden": 4}])
def test_batched_initialisations_train_as_if_alone(params):
    data = batch()
    together = RankingModel(5, inits=3, lr=0.01, **params)
    alone = []
    for i in range(3):
        model = RankingModel(5, inits=1, lr=0.01, **params)
        model.load_state_dict({k: v[i : i + 1] if v.ndim else v for k, v in together.state_dict().items()})
        alone.append(model)
    train(together, data)
    for i, model in enumerate(alone):
        train(model, data)
        torch.testing.assert_close(
            model.scores(data[0])[0], together.scores(data[0])[i], rtol=1e-3, atol=2e-4
        )


def test_the_2020_gate_is_a_softmax_over_sigmoids_around_each_cohorts_top_quantile():
    model = RankingModel(1, inits=1, score="linear", barrier="quantile", q=0.4, temperature=2.0)
    with torch.no_grad():
        model.w.fill_(1.0)
    s = torch.tensor([[5.0, 4.0, 3.0, 2.0, 1.0]])
    d = model.threshold(s, torch.zeros(5))
    assert float(d) == 4.0  # the ceil(0.4 * 5) = 2nd score from the top
    np.testing.assert_allclose(model.logits(s, torch.zeros(5), None), torch.sigmoid(2.0 * (s - 4.0)))


def test_unsorted_batches_are_refused():
    x, treated, value, cost, weight = batch()
    with pytest.raises(ValueError, match="treated rows first"):
        RankingModel(5).objectives((x, treated.flip(0), value, cost, weight))


def test_select_init_keeps_the_lowest_finite_validation_objective():
    data = batch()
    model = RankingModel(5, inits=4)
    objectives = model.objectives(data).detach()
    chosen = model.select_init(data)
    torch.testing.assert_close(chosen, objectives)
    assert int(model.chosen) == int(torch.argmin(objectives))
    torch.testing.assert_close(model(data[0]), model.scores(data[0])[int(model.chosen)])


@pytest.mark.parametrize("name", ["drm", "crm"])
def test_paper_recipe_learns_value_per_cost(name):
    data = synthetic.generate(n_rows=6000, n_arms=1, n_outcomes=1, n_features=6, with_cost=True, seed=4)
    train_rows, test_rows = np.arange(4000), np.arange(4000, 6000)
    train, test = data.subset(train_rows), data.subset(test_rows)
    from methods.core.base import ValidationSet

    valid = data.subset(np.arange(3000, 4000))
    method = REGISTRY.get(name)(max_epochs=300, lr=0.01)
    method.fit(train.X, train.treatment, train.y, cost=train.cost, seed=0,
               valid=ValidationSet(valid.X, valid.treatment, valid.y, valid.cost))  # fmt: skip
    assert method.valid_objectives_.shape == (5,)
    area = aucc(method.rank(test.X), test.treatment, test.y[:, 0], test.cost)
    random_area = aucc(np.random.default_rng(0).random(test.n_rows), test.treatment, test.y[:, 0], test.cost)
    assert area > random_area + 0.05, (area, random_area)


def test_plain_ratio_keeps_the_sign_the_relu_ratio_drops():
    tau_value = np.array([0.2, 0.2, -0.1])
    tau_cost = np.array([0.1, -0.1, -0.1])
    np.testing.assert_allclose(ratio_score(tau_value, tau_cost), [2.0, -2.0, 1.0])
    assert ratio_score(np.array([1.0]), np.array([0.0]))[0] == pytest.approx(1e5)


def test_causal_forest_ranks_by_the_ratio_it_is_given():
    data = synthetic.generate(n_rows=1500, n_arms=1, n_outcomes=1, n_features=4, with_cost=True, seed=3)
    ranks = {}
    for ratio in ("plain", "relu"):
        method = REGISTRY.get("causal-forest")(n_estimators=24, ratio=ratio)
        method.fit(data.X, data.treatment, data.y, cost=data.cost, seed=0)
        tau_v, tau_c = method.predict(data.X)[:, 0, 0], method.predict_cost(data.X)[:, 0, 0]
        ranks[ratio] = (method.rank(data.X, value=0, cost=0), tau_v, tau_c)
    score, tau_v, tau_c = ranks["plain"]
    np.testing.assert_allclose(score, tau_v / tau_c)
    score, tau_v, tau_c = ranks["relu"]
    np.testing.assert_allclose(score, np.maximum(tau_v, 0) / (np.maximum(tau_c, 0) + 1e-5))
    with pytest.raises(ValueError, match="ratio must be one of"):
        REGISTRY.get("causal-forest")(ratio="abs").fit(data.X, data.treatment, data.y, cost=data.cost)


def test_a_deep_method_ranks_by_either_rule_and_one_without_a_rule_of_its_own_by_relu():
    from methods.core.deep_adapter import TRAINING_DEFAULTS, DeepUplift

    class NoRule(DeepUplift):  # a plug-in written against the training defaults alone
        name = "no-rule"
        network = "baselines:TARNet"
        defaults = {**TRAINING_DEFAULTS, "hidden": 8, "layers": 2, "dropout": 0.0}

    data = synthetic.generate(n_rows=600, n_arms=1, n_outcomes=1, n_features=4, with_cost=True, seed=3)
    tarnet = REGISTRY.get("tarnet")(max_epochs=2, hidden=8)
    for method in (tarnet, NoRule(max_epochs=2)):
        method.fit(data.X, data.treatment, data.y, cost=data.cost, seed=0)
        tau_v, tau_c = method.predict(data.X)[:, 0, 0], method.predict_cost(data.X)[:, 0, 0]
        relu = np.maximum(tau_v, 0) / (np.maximum(tau_c, 0) + 1e-5)
        np.testing.assert_allclose(method.rank(data.X, value=0, cost=0), relu)
    tau_v, tau_c = tarnet.predict(data.X)[:, 0, 0], tarnet.predict_cost(data.X)[:, 0, 0]
    with tarnet.ranked_by({"ratio": "plain"}):
        np.testing.assert_allclose(tarnet.rank(data.X, value=0, cost=0), tau_v / tau_c)
