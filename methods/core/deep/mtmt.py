"""MTMT (arXiv 2408.12803) as a LightningModule: an MMoE user encoder, a treatment embedding attending over
each task's user representation, a feature-enhancer MLP, and per task a natural-response head, a base-uplift
head ("treat or not") and an incremental-uplift head ("which treatment"). docs/reproduction-mtmt.md has the
paper's recipe, where the authors' code departs from it and which form this module follows.

Keys and values of the attention (`attention_keys`):
- "task" (the paper's form, default): task k's MMoE output h_k (width `hidden`) cut into `tokens` equal
  consecutive slices, each an L2-normalised token of width hidden / tokens, so the arm's query attends over
  task k's own representation and every task gets its own treatment-aware vector z_k(t);
- "features" (a variant, the form of an earlier version of this suite): one token per raw feature,
  normalise(x_j w_j + b_j), shared by every task.

Loss per task: MSE of y0 + 1[t > 0] (tau + tau_s(t)) against the observed outcome; `stop_gradient` stops
the gradient through y0 on treated rows (the authors' code does, the paper's formula does not).
Ablation switches: interaction=False (the arm's query vector replaces the attention output),
enhancer=False, mmoe=False (one shared expert, no gates), two_tier=False (one effect head per arm).

Every arm is scored in one pass: the encoder and the keys run once per row, the K queries attend at once."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from methods.core.deep.base import GroupedLinear, UpliftNet
from methods.core.deep.tokens import FeatureTokens, HeldTokens

ATTENTION_KEYS = ("task", "features")


class MMoE(nn.Module):
    """Multi-gate mixture of experts, (n, d) -> (n, tasks, hidden): each expert an input projection and two
    residual ELU blocks with dropout (all experts run as grouped layers), one softmax gate per task (with
    mmoe=False a single shared-bottom expert and no gates)."""

    def __init__(self, n_in: int, n_tasks: int, experts: int, hidden: int, dropout: float, mmoe: bool):
        super().__init__()
        self.n_tasks, self.count = n_tasks, experts if mmoe else 1
        self.project = GroupedLinear(self.count, n_in, hidden)
        self.inner = nn.ModuleList(GroupedLinear(self.count, hidden, hidden) for _ in range(2))
        self.outer = nn.ModuleList(GroupedLinear(self.count, hidden, hidden) for _ in range(2))
        self.dropout = nn.Dropout(dropout)
        self.gates = nn.Linear(n_in, n_tasks * self.count) if self.count > 1 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.elu(self.project.shared(x))
        for inner, outer in zip(self.inner, self.outer, strict=True):
            h = F.elu(h + outer(self.dropout(F.elu(inner(h)))))
        if self.gates is None:
            return h.expand(len(x), self.n_tasks, h.shape[-1])
        gates = torch.softmax(self.gates(x).view(len(x), self.n_tasks, self.count), -1)
        return torch.bmm(gates, h)


class TaskHead(nn.Module):
    """One small MLP per task, (n, tasks, n_in) -> (n, tasks): a hidden ELU layer (when hidden > 0) and a
    scalar output, the tasks' layers grouped."""

    def __init__(self, n_tasks: int, n_in: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.hidden = GroupedLinear(n_tasks, n_in, hidden) if hidden else None
        self.out = GroupedLinear(n_tasks, hidden or n_in, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.hidden is not None:
            h = self.dropout(F.elu(self.hidden(h)))
        return self.out(h)[..., 0]


class MTMT(UpliftNet):
    """Multi-treatment multi-task uplift network; `components(x)` exposes the natural response, the base
    and incremental effects and the attention weights."""

    def __init__(
        self, n_features, n_arms, n_targets, *, hidden=64, experts=4, dropout=0.2, embedding=16,
        attention_dim=64, heads=4, attention_dropout=0.2, attention_keys="task", tokens=4,
        interaction=True, enhancer=True, mmoe=True, two_tier=True, stop_gradient=False, **optim,
    ):  # fmt: skip
        super().__init__(n_features, n_arms, n_targets, **optim)
        if attention_keys not in ATTENTION_KEYS:
            raise ValueError(
                f"attention_keys must be one of {', '.join(ATTENTION_KEYS)}, got {attention_keys!r}"
            )
        if hidden % tokens or attention_dim % heads:
            raise ValueError(f"hidden ({hidden}) must divide into {tokens} tokens and attention_dim "
                             f"({attention_dim}) into {heads} heads")  # fmt: skip
        self.switches = dict(
            interaction=interaction, enhancer=enhancer, two_tier=two_tier, stop_gradient=stop_gradient
        )
        self.attention_keys, self.tokens, self.heads = attention_keys, tokens, heads
        self.encoder = MMoE(n_features, n_targets, experts, hidden, dropout, mmoe)
        self.treatment_embedding = nn.Embedding(n_arms + 1, embedding)
        self.query = nn.Linear(embedding, attention_dim)
        if attention_keys == "features":
            token_width = attention_dim
            self.token_weight = nn.Parameter(torch.randn(n_features, token_width) * 0.1)
            self.token_bias = nn.Parameter(torch.zeros(n_features, token_width))
        else:
            token_width = hidden // tokens
        self.key = nn.Linear(token_width, attention_dim)
        self.value = nn.Linear(token_width, attention_dim)
        self.attention_out = nn.Linear(attention_dim, attention_dim)
        self.attention_dropout = nn.Dropout(attention_dropout)
        self.enhancer = nn.Sequential(
            nn.Linear(attention_dim, attention_dim), nn.ELU(), nn.Dropout(dropout),
            nn.Linear(attention_dim, attention_dim), nn.ELU(), nn.Dropout(dropout),
            nn.Linear(attention_dim, attention_dim),
        )  # fmt: skip
        self.natural = TaskHead(n_targets, hidden, 0, dropout)
        self.base = TaskHead(n_targets, hidden, hidden, dropout)
        self.increment_user = GroupedLinear(n_targets, hidden, hidden)
        self.increment_arm = GroupedLinear(n_targets, attention_dim, hidden)
        self.increment = TaskHead(n_targets, hidden, 0, dropout)
        self.increment_dropout = nn.Dropout(dropout)

    def tokens_of(self, x: torch.Tensor, users: torch.Tensor) -> HeldTokens | FeatureTokens:
        """Attention tokens (n, groups, tokens, width): groups = tasks ("task") or 1 ("features")."""
        if self.attention_keys == "features":
            return FeatureTokens(x, self.token_weight, self.token_bias)
        return HeldTokens(users.reshape(len(x), users.shape[1], self.tokens, -1))

    def attend(
        self, query: torch.Tensor, tokens: HeldTokens | FeatureTokens, pick: torch.Tensor | None = None
    ):
        """Multi-head attention of Q arm queries (Q, A) over tokens (n, g, T, w); `pick` (n,) keeps one arm
        per row (training: the row's own). Returns z (n, g, Q or 1, A) and the weights averaged over heads
        (n, g, Q or 1, T).

        The arithmetic is the textbook form's, reordered: a query's score of token x is q . (W_k x + b_k)
        = (W_k^T q) . x + q . b_k, so the queries are folded into the key weights (one product of the tokens
        with Q x heads columns, not keys of width A for every token), and the weighted sum of values is
        W_v (sum_t a_t x_t) + (sum_t a_t) b_v, so the tokens are pooled before the value projection."""
        heads, width_in = self.heads, self.key.in_features
        width = query.shape[-1] // heads
        q = query.view(-1, heads, width) / math.sqrt(width)
        folded = torch.einsum("qhd,hdi->iqh", q, self.key.weight.view(heads, width, width_in))
        offset = torch.einsum("qhd,hd->qh", q, self.key.bias.view(heads, width)).reshape(-1)
        scores = tokens.project(folded.reshape(width_in, -1)) + offset
        n, groups, count, _ = scores.shape
        scores = scores.view(n, groups, count, -1, heads)
        if pick is not None:
            scores = scores.gather(3, pick.view(n, 1, 1, 1, 1).expand(n, groups, count, 1, heads))
        weights = torch.softmax(scores, 2)  # over the tokens: (n, g, T, Q, heads)
        kept = self.attention_dropout(weights)
        pooled = tokens.pool(kept)
        z = torch.einsum("ngqhi,hdi->ngqhd", pooled, self.value.weight.view(heads, width, width_in))
        z = z + kept.sum(2)[..., None] * self.value.bias.view(heads, width)
        z = self.attention_out(z.reshape(n, groups, -1, heads * width))
        return z, weights.mean(-1).transpose(2, 3)

    def arm_vectors(self, x, users, arms, per_row: bool):
        """The treatment-aware vectors z (n or 1, g, Q, A) of `arms` and the attention weights (or None):
        per_row, arms (n,) holds each row's arm and Q = 1."""
        if not self.switches["interaction"]:
            query = self.query(self.treatment_embedding(arms))
            return (query[:, None, None] if per_row else query[None, None]), None
        if per_row:
            every = torch.arange(self.n_arms + 1, device=arms.device)
            z, weights = self.attend(
                self.query(self.treatment_embedding(every)), self.tokens_of(x, users), arms
            )
        else:
            z, weights = self.attend(self.query(self.treatment_embedding(arms)), self.tokens_of(x, users))
        if self.switches["enhancer"]:
            z = z + self.enhancer(z)
        return z, weights

    def increments(self, users: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Incremental uplift (n, Q, tasks) from the users (n, tasks, hidden) and the arm vectors z: an MLP
        per task on [h_k, z_k], its first layer split in a user part (once per row) and an arm part."""
        n, tasks, hidden = users.shape
        z = z.expand(n, -1, -1, -1)
        count = z.shape[2]
        if z.shape[1] == 1:  # one vector for every task: one matrix product
            arm = self.increment_arm.shared(z[:, 0].reshape(n * count, -1))
        else:
            arm = self.increment_arm(z.transpose(1, 2).reshape(n * count, tasks, -1))
        h = arm.view(n, count, tasks, hidden) + self.increment_user(users)[:, None]
        h = self.increment_dropout(F.elu(h))
        return self.increment(h.view(n * count, tasks, hidden)).view(n, count, tasks)

    def parts(self, x: torch.Tensor, arms: torch.Tensor, per_row: bool):
        """Natural response (n, tasks), base uplift (n, tasks), incremental uplift of `arms` (n, Q, tasks)
        and the attention weights (n, g, Q, T) or None."""
        users = self.encoder(x)
        y0 = self.natural(users)
        base = self.base(users) if self.switches["two_tier"] else torch.zeros_like(y0)
        z, weights = self.arm_vectors(x, users, arms, per_row)
        return y0, base, self.increments(users, z), weights

    def outcomes(self, x, t):
        y0, base, increment, _ = self.parts(x, t, per_row=True)
        treated = (t > 0)[:, None]
        if self.switches["stop_gradient"]:
            y0 = torch.where(treated, y0.detach(), y0)
        return y0 + treated * (base + increment[:, 0])

    def components(self, x) -> dict[str, torch.Tensor | None]:
        """Natural response (n, m), base uplift (n, m), incremental uplift (n, K, m) and the attention
        weights (n, K, g, T): g = m token sets of the tasks ("task") or one set of feature tokens."""
        arms = torch.arange(1, self.n_arms + 1, device=x.device)
        y0, base, increment, weights = self.parts(x, arms, per_row=False)
        return {
            "natural": y0,
            "base": base,
            "incremental": increment,
            "attention": None if weights is None else weights.transpose(1, 2),
        }

    def effects(self, x):
        parts = self.components(x)
        return parts["base"][:, None, :] + parts["incremental"]
