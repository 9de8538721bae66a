"""The deep rows of MTMT's table: S- and T-learner networks, TARNet (Shalit et al. 2017) and FlexTENet
(Curth and van der Schaar 2021), all on UpliftNet's loss, optimiser and early stopping."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from methods.core.deep.base import UpliftNet, mlp


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
    """Shared and per-arm private subspaces in every layer: the shared stream sees shared activations, each
    private stream sees shared and its own; an orthogonality penalty keeps the first layers apart."""

    def __init__(self, n_features, n_arms, n_targets, hidden=64, layers=3, dropout=0.1, private=32,
                 orthogonality=0.01, **optim):  # fmt: skip
        super().__init__(n_features, n_arms, n_targets, **optim)
        self.orthogonality = orthogonality
        arms = n_arms + 1
        self.shared = nn.ModuleList(
            nn.Linear(n_features if i == 0 else hidden, hidden) for i in range(layers)
        )
        self.private = nn.ModuleList(
            nn.ModuleList(
                nn.Linear(n_features if i == 0 else hidden + private, private) for i in range(layers)
            )
            for _ in range(arms)
        )
        self.heads = nn.ModuleList(nn.Linear(hidden + private, n_targets) for _ in range(arms))
        self.dropout = nn.Dropout(dropout)

    def all_outcomes(self, x):
        outputs = []
        shared_states = [x]
        for layer in self.shared:
            shared_states.append(self.dropout(F.elu(layer(shared_states[-1]))))
        for arm_layers, head in zip(self.private, self.heads, strict=True):
            h = x
            for i, layer in enumerate(arm_layers):
                h = self.dropout(F.elu(layer(h if i == 0 else torch.cat([shared_states[i], h], 1))))
            outputs.append(head(torch.cat([shared_states[-1], h], 1)))
        return torch.stack(outputs, 1)

    def penalty(self):
        shared = self.shared[0].weight
        return self.orthogonality * sum(torch.sum((shared @ arm[0].weight.T) ** 2) for arm in self.private)
