"""The port of the authors' MTMT network (methods/core/deep/mtmt_authors.py) against hand-computed cases."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from methods.core.deep.mtmt_authors import MTMTAuthors


def network(n_features: int, n_arms: int = 3, n_targets: int = 2) -> MTMTAuthors:
    torch.manual_seed(0)
    net = MTMTAuthors(n_features, n_arms, n_targets, width=4, experts=2, attention_dim=8, heads=2)
    return net.eval()


def test_one_key_token_gives_every_arm_the_hand_computed_same_effect():
    net = network(n_features=20)  # the ResNet leaves one position of 20 features
    x = torch.randn(5, 20)
    with torch.no_grad():
        _, keys = net.encode(x)
        assert keys.shape[1] == 1
        # softmax over one key is 1: every query token's output is the value of that key, whatever the arm
        value = net.attention.value(keys[:, 0])
        expected = net.uplift_head(net.enhancer(value))[:, 0]
        effects = net.effects(x)
    assert effects.shape == (5, 3, 2)
    torch.testing.assert_close(effects, expected[:, None, None].expand(5, 3, 2))


def test_several_key_tokens_see_the_arm_only_through_the_count_of_positive_signs_of_its_embedding():
    net = network(n_features=100)  # four positions
    with torch.no_grad():
        signs = torch.tensor([1.0, -1.0] * 8)
        net.treatment_embedding.weight[1] = signs * 0.3
        net.treatment_embedding.weight[2] = signs * torch.linspace(0.1, 2.0, 16)  # same signs
        net.treatment_embedding.weight[3] = -signs.roll(1) * 0.7  # other places, the same count of +
        net.treatment_embedding.weight[0] = torch.full((16,), 0.3)  # sixteen positive signs (control)
        x = torch.randn(6, 100)
        assert net.encode(x)[1].shape[1] == 4
        _, keys = net.encode(x)
        uplift = torch.stack([net.uplift(keys, torch.full((6,), k)) for k in range(4)], 1)
    # the mean over query tokens sees only how many signs are positive, not which
    torch.testing.assert_close(uplift[:, 1], uplift[:, 2])
    torch.testing.assert_close(uplift[:, 1], uplift[:, 3])
    assert (uplift[:, 0] - uplift[:, 1]).abs().min() > 1e-6


def test_the_natural_response_is_the_gated_expert_mix_and_treated_rows_add_the_uplift_to_a_stopped_y0():
    net = network(n_features=20, n_arms=2, n_targets=2)
    x, t = torch.randn(4, 20), torch.tensor([0, 1, 2, 0])
    experts = [expert(x).mean(-1) for expert in net.experts]  # (n, C) each, one position
    gates = torch.softmax(net.gates(x).view(4, 2, 2), -1)
    for task in range(2):
        mixed = sum(gates[:, task, e, None] * experts[e] for e in range(2))
        expected_y0 = net.natural[task](mixed)[:, 0]
        torch.testing.assert_close(net.encode(x)[0][:, task], expected_y0)
    out = net.outcomes(x, t)
    y0, keys = net.encode(x)
    torch.testing.assert_close(out[t == 0], y0[t == 0])
    torch.testing.assert_close(out[t > 0], (y0 + net.uplift(keys, t)[:, None])[t > 0])
    # the treated rows' loss reaches no parameter of the natural heads (the authors' detach)
    net.zero_grad()
    F.mse_loss(out[t > 0], torch.zeros_like(out[t > 0])).backward()
    assert all(head.weight.grad is None or not head.weight.grad.any() for head in net.natural)
    assert net.uplift_head.weight.grad.abs().sum() > 0
