"""MTMT (arXiv 2408.12803) as a LightningModule: an MMoE user encoder, a treatment embedding attending over
the user's feature tokens, a feature-enhancer MLP, and per task a natural-response head, a base-uplift head
("treat or not") and an incremental-uplift head ("which treatment"). PAPERS.md section 1.

Ablation switches: interaction=False (the treatment embedding replaces the attention output),
enhancer=False, mmoe=False (one shared expert, no gates), two_tier=False (one effect head per arm)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from methods.core.deep.base import UpliftNet, mlp


class ResidualMLP(nn.Module):
    """An expert: input projection and two residual ELU blocks with dropout."""

    def __init__(self, n_in: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.project = nn.Linear(n_in, hidden)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden, hidden), nn.ELU(), nn.Dropout(dropout), nn.Linear(hidden, hidden))
            for _ in range(2)
        )

    def forward(self, x):
        h = F.elu(self.project(x))
        for block in self.blocks:
            h = F.elu(h + block(h))
        return h


class MMoE(nn.Module):
    """Multi-gate mixture of experts: one softmax gate per task over shared experts (or, with mmoe=False,
    a single shared-bottom expert)."""

    def __init__(self, n_in: int, n_tasks: int, experts: int, hidden: int, dropout: float, mmoe: bool):
        super().__init__()
        self.n_tasks = n_tasks
        count = experts if mmoe else 1
        self.experts = nn.ModuleList(ResidualMLP(n_in, hidden, dropout) for _ in range(count))
        self.gates = nn.ModuleList(nn.Linear(n_in, count) for _ in range(n_tasks)) if count > 1 else None

    def forward(self, x) -> list[torch.Tensor]:
        outputs = torch.stack([expert(x) for expert in self.experts], 1)
        if self.gates is None:
            return [outputs[:, 0]] * self.n_tasks
        return [(torch.softmax(gate(x), -1)[:, :, None] * outputs).sum(1) for gate in self.gates]


class MTMT(UpliftNet):
    """Multi-treatment multi-task uplift network; `components(x)` exposes the attention weights and the base
    and incremental effects."""

    def __init__(
        self, n_features, n_arms, n_targets, *, hidden=32, experts=4, dropout=0.2, embedding=16,
        attention_dim=64, heads=4, attention_dropout=0.2, interaction=True, enhancer=True, mmoe=True,
        two_tier=True, stop_gradient=True, **optim,
    ):  # fmt: skip
        super().__init__(n_features, n_arms, n_targets, **optim)
        self.switches = dict(
            interaction=interaction, enhancer=enhancer, two_tier=two_tier, stop_gradient=stop_gradient
        )
        self.encoder = MMoE(n_features, n_targets, experts, hidden, dropout, mmoe)
        self.treatment_embedding = nn.Embedding(n_arms + 1, embedding)
        self.query = nn.Linear(embedding, attention_dim)
        self.token_weight = nn.Parameter(torch.randn(n_features, attention_dim) * 0.1)
        self.token_bias = nn.Parameter(torch.zeros(n_features, attention_dim))
        self.attention = nn.MultiheadAttention(
            attention_dim, heads, dropout=attention_dropout, batch_first=True
        )
        self.enhancer = mlp(attention_dim, attention_dim, 2, dropout, attention_dim)
        self.natural = nn.ModuleList(nn.Linear(hidden, 1) for _ in range(n_targets))
        self.base = nn.ModuleList(mlp(hidden, hidden, 1, dropout, 1) for _ in range(n_targets))
        self.incremental = nn.ModuleList(
            mlp(hidden + attention_dim, hidden, 1, dropout, 1) for _ in range(n_targets)
        )

    def interact(self, x, t) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The treatment-aware vector z(t) and the attention weights over feature tokens."""
        query = self.query(self.treatment_embedding(t))
        if not self.switches["interaction"]:
            return query, None
        tokens = F.normalize(x[:, :, None] * self.token_weight + self.token_bias, dim=-1)
        z, weights = self.attention(query[:, None, :], tokens, tokens, need_weights=True)
        z = z[:, 0]
        if self.switches["enhancer"]:
            z = z + self.enhancer(z)
        return z, weights[:, 0]

    def parts(self, x, t, users=None):
        """Per task: natural response (n,), base uplift (n,) and incremental uplift of arm t (n,); and the
        attention weights. `users` (the encoder's output) is computed when not given."""
        users = self.encoder(x) if users is None else users
        z, weights = self.interact(x, t)
        out = []
        for k, h in enumerate(users):
            y0 = self.natural[k](h)[:, 0]
            base = self.base[k](h)[:, 0] if self.switches["two_tier"] else torch.zeros_like(y0)
            out.append((y0, base, self.incremental[k](torch.cat([h, z], 1))[:, 0]))
        return out, weights

    def outcomes(self, x, t):
        treated = (t > 0).float()
        columns = []
        for y0, base, increment in self.parts(x, t)[0]:
            natural = torch.where(t > 0, y0.detach(), y0) if self.switches["stop_gradient"] else y0
            columns.append(natural + treated * (base + increment))
        return torch.stack(columns, 1)

    def components(self, x) -> dict[str, torch.Tensor]:
        """Natural response (n, m), base uplift (n, m), incremental uplift (n, K, m), attention (n, K, d)."""
        users = self.encoder(x)
        base, increments, attention = None, [], []
        for k in range(1, self.n_arms + 1):
            t = torch.full((len(x),), k, dtype=torch.long, device=x.device)
            parts, weights = self.parts(x, t, users)
            y0 = torch.stack([p[0] for p in parts], 1)
            base = torch.stack([p[1] for p in parts], 1)
            increments.append(torch.stack([p[2] for p in parts], 1))
            if weights is not None:
                attention.append(weights)
        return {
            "natural": y0,
            "base": base,
            "incremental": torch.stack(increments, 1),
            "attention": torch.stack(attention, 1) if attention else None,
        }

    def effects(self, x):
        parts = self.components(x)
        return parts["base"][:, None, :] + parts["incremental"]
