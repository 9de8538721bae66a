"""MTMT's speed work (commits e99020f to d2aa3d1) changed how its arithmetic is ordered, not what it
computes: a fixed-seed network's effects, untrained and after three AdamW steps, still equal the values the
code before the change produced (commit 72b57d0), to float32 rounding."""

from __future__ import annotations

import pytest
import torch

from methods.core.deep.mtmt import MTMT

# (attention keys, steps): (sum of the 64 x 3 x 2 effects, the first two rows' effects), from 72b57d0
BEFORE = {
    ("task", 0): (13.073656, [0.2891993, -0.038728, 0.2895915, -0.0385901, 0.287832, -0.0382621,
                              0.1619741, 0.0278784, 0.1622389, 0.0284956, 0.1608869, 0.027747]),
    ("task", 3): (78.997899, [-0.0093612, 0.3109925, -0.008408, 0.3111476, -0.0093061, 0.3117498,
                              -0.0561047, 0.1436383, -0.0525095, 0.1442731, -0.0564605, 0.1415569]),
    ("features", 0): (-13.405137, [-0.2002191, 0.0283743, -0.2004993, 0.0279069, -0.2001541, 0.0282339,
                                   -0.2399714, 0.0988211, -0.2401905, 0.0982996, -0.2398559, 0.0985254]),
    ("features", 3): (-15.777815, [-0.7407034, 0.4318753, -0.7392926, 0.4320377, -0.7409766, 0.4311165,
                                   -0.6743663, -0.0502853, -0.6733729, -0.0504482, -0.6748077, -0.0514172]),
}  # fmt: skip


def fixed_seed_effects(keys: str, steps: int, dropout: float = 0.0) -> torch.Tensor:
    """Effects (64, 3, 2) of MTMT(6 features, 3 arms, 2 tasks) built under seed 0 after `steps` AdamW
    steps (lr 0.01) on 256 fixed random rows."""
    torch.manual_seed(0)
    net = MTMT(6, 3, 2, attention_keys=keys, dropout=dropout, attention_dropout=dropout)
    data = torch.Generator().manual_seed(1)
    x, t = torch.randn(256, 6, generator=data), torch.randint(0, 4, (256,), generator=data)
    y = torch.randn(256, 2, generator=data)
    optimiser = torch.optim.AdamW(net.parameters(), lr=1e-2)
    for _ in range(steps):
        optimiser.zero_grad()
        net.loss((x, t, y)).backward()
        optimiser.step()
    with torch.no_grad():
        return net.eval().effects(x[:64])


@pytest.mark.parametrize(("keys", "steps"), list(BEFORE))
def test_mtmt_predicts_what_it_did_before_the_speed_work(keys, steps):
    """Max abs difference measured 9e-8 untrained and 5e-7 after three steps (the attention's sums are
    reordered); 1e-5 is far below any difference a changed formula would make."""
    total, first_rows = BEFORE[keys, steps]
    effects = fixed_seed_effects(keys, steps)
    torch.testing.assert_close(effects[:2].flatten(), torch.tensor(first_rows), rtol=0, atol=1e-5)
    assert abs(float(effects.double().sum()) - total) < 1e-4


def test_feature_tokens_act_as_the_normalised_tokens_they_never_build():
    from torch.nn import functional as F

    from methods.core.deep.tokens import FeatureTokens, HeldTokens

    x, weight, bias = torch.randn(50, 7), torch.randn(7, 16), torch.randn(7, 16)
    built = HeldTokens(x[:, None, :, None] * weight + bias)
    torch.testing.assert_close(built.tokens, F.normalize(x[:, None, :, None] * weight + bias, dim=-1))
    factored, columns, weights = (
        FeatureTokens(x, weight, bias),
        torch.randn(16, 5),
        torch.rand(50, 1, 7, 2, 3),
    )
    torch.testing.assert_close(factored.project(columns), built.project(columns))
    torch.testing.assert_close(factored.pool(weights), built.pool(weights))
