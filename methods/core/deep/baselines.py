"""The deep rows of MTMT's table: S- and T-learner networks, TARNet (Shalit et al. 2017) and FlexTENet
(Curth and van der Schaar 2021), all on UpliftNet's loss, optimiser and early stopping."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from methods.core.deep.base import GroupedLinear, UpliftNet, mlp


class SLearnerNet(UpliftNet):
    """One network on [x, one-hot arm]; effect = f(x, k) - f(x, control)."""

    def __init__(self, n_features, n_arms, n_targets, hidden=64, layers=3, dropout=0.1, **optim):
        super().__init__(n_features, n_arms, n_targets, **optim)
        self.net = mlp(n_features + n_arms + 1, hidden, layers, dropout, n_targets)

    def outcomes(self, x, t):
        return self.net(torch.cat([x, F.one_hot(t, self.n_arms + 1).float()], 1))

    def effects(self, x):
        control = self.outcomes(x, torch.zeros(len(x), dtype=torch.long, device=x.device))
        arms = [
            self.outcomes(x, torch.full((len(x),), k, device=x.device)) for k in range(1, self.n_arms + 1)
        ]
        return torch.stack(arms, 1) - control[:, None, :]


class HeadsNet(UpliftNet):
    """One output per arm (control first): `all_outcomes(x) -> (n, K+1, m)` gives the observed arm's
    outcome and the effects. The T-learner and TARNet put `heads` on `represent(x)`; FlexTENet overrides
    `all_outcomes`."""

    def represent(self, x) -> list[torch.Tensor]:
        """One representation per arm (the same tensor when shared)."""
        raise NotImplementedError

    def all_outcomes(self, x) -> torch.Tensor:
        return torch.stack([head(h) for head, h in zip(self.heads, self.represent(x), strict=True)], 1)

    def outcomes(self, x, t):
        return self.all_outcomes(x)[torch.arange(len(x), device=x.device), t]

    def effects(self, x):
        out = self.all_outcomes(x)
        return out[:, 1:] - out[:, :1]


class TLearnerNet(HeadsNet):
    """A separate network per arm."""

    def __init__(self, n_features, n_arms, n_targets, hidden=64, layers=3, dropout=0.1, **optim):
        super().__init__(n_features, n_arms, n_targets, **optim)
        self.bodies = nn.ModuleList(mlp(n_features, hidden, layers, dropout) for _ in range(n_arms + 1))
        self.heads = nn.ModuleList(nn.Linear(hidden, n_targets) for _ in range(n_arms + 1))

    def represent(self, x):
        return [body(x) for body in self.bodies]


class TARNet(HeadsNet):
    """A shared representation with one small head network per arm."""

    def __init__(self, n_features, n_arms, n_targets, hidden=64, layers=3, dropout=0.1, **optim):
        super().__init__(n_features, n_arms, n_targets, **optim)
        self.body = mlp(n_features, hidden, layers, dropout)
        self.heads = nn.ModuleList(mlp(hidden, hidden, 1, dropout, n_targets) for _ in range(n_arms + 1))

    def represent(self, x):
        return [self.body(x)] * (self.n_arms + 1)


class FlexTENet(HeadsNet):
    """Shared and per-arm private subspaces in every layer (Curth and van der Schaar 2021): the shared
    stream sees shared activations, each arm's private stream sees shared and its own; the output of arm a
    is a shared head on the shared stream plus arm a's private head on [shared, private a].

    The orthogonality penalty is the reference implementation's (CATENets, torch FlexTENet): in every
    layer the squared element-wise product of the weights' overlapping block, shared against each private
    and every private pair against each other; in the output layer shared against private only. Unlike
    the reference it uses ELU (not SELU), the same number of shared layers for representation and
    hypothesis, and K+1 arms instead of two; the private layers of all arms run as grouped layers."""

    def __init__(self, n_features, n_arms, n_targets, hidden=64, layers=3, dropout=0.1, private=32,
                 orthogonality=0.01, **optim):  # fmt: skip
        super().__init__(n_features, n_arms, n_targets, **optim)
        self.orthogonality = orthogonality
        arms = n_arms + 1
        self.shared = nn.ModuleList(
            nn.Linear(n_features if i == 0 else hidden, hidden) for i in range(layers)
        )
        self.private = nn.ModuleList(
            GroupedLinear(arms, n_features if i == 0 else hidden + private, private) for i in range(layers)
        )
        self.shared_head = nn.Linear(hidden, n_targets)
        self.private_head = GroupedLinear(arms, hidden + private, n_targets)
        self.dropout = nn.Dropout(dropout)

    def all_outcomes(self, x):
        shared, own = x, None
        for i, (shared_layer, private_layer) in enumerate(zip(self.shared, self.private, strict=True)):
            if i == 0:
                own = private_layer.shared(x)
            else:
                both = torch.cat([shared[:, None, :].expand(-1, own.shape[1], -1), own], 2)
                own = private_layer(both)
            shared = self.dropout(F.elu(shared_layer(shared)))
            own = self.dropout(F.elu(own))
        both = torch.cat([shared[:, None, :].expand(-1, own.shape[1], -1), own], 2)
        return self.shared_head(shared)[:, None, :] + self.private_head(both)

    def penalty(self):
        total = 0.0
        for shared_layer, private_layer in zip(self.shared, self.private, strict=True):
            total = total + orthogonality_penalty(shared_layer.weight.T, private_layer.weight, pairs=True)
        total = total + orthogonality_penalty(
            self.shared_head.weight.T, self.private_head.weight, pairs=False
        )
        return self.orthogonality * total


def orthogonality_penalty(shared: torch.Tensor, private: torch.Tensor, pairs: bool) -> torch.Tensor:
    """Sum over arms a of ||S o P_a||^2 on the overlapping (in, out) block, plus (pairs) the sum over arm
    pairs a < b of ||P_a o P_b||^2; shared (in_s, out_s), private (arms, in_p, out_p)."""
    rows, columns = min(shared.shape[0], private.shape[1]), min(shared.shape[1], private.shape[2])
    squares = private**2
    total = torch.sum(shared[:rows, :columns] ** 2 * squares[:, :rows, :columns].sum(0))
    if pairs:
        total = total + 0.5 * torch.sum(squares.sum(0) ** 2 - (squares**2).sum(0))
    return total
