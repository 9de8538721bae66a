"""The authors' published MTMT network (github.com/yuxiangwei0808/Tencent_uplift, models/mtmt.py built by
model_hub.mtmt_mmoe_emb_v0), ported as a LightningModule on this suite's loss conventions.

User encoder: MMoE of `experts` 1-D ResNet-18s (stem conv 7/2, max-pool 3/2, four stages of two basic
blocks of widths w, 2w, 4w, 8w, strides 1, 2, 2, 2; batch norm; no final layer) run over the feature axis,
so a row of d features becomes 8w channels over L ~ d / 32 positions (L = 1 for d <= 32), one softmax gate
(a linear layer on the raw features) per task. Per task a natural-response head: mean over the positions,
then a linear layer. Keys and values: the tasks' encodings concatenated over channels, each position
L2-normalised over the channels (L tokens). Query: the arm's embedding (width `embedding`) as
`embedding` tokens of width 1, each divided by its own absolute value (so a sign). Attention: 4 heads,
dimension `attention_dim`, no output projection, dropout on the weights; then the enhancer (a two-layer
GELU MLP, no residual), mean over the query tokens and one linear layer: the uplift, one scalar shared by
every task. Outcome: y0_k on control rows, y0_k (gradient stopped) + uplift on treated rows.

Consequences the port keeps (they are the authors' network, not defects of the port): with L = 1 the
softmax over one key is 1, so the attention output, and so the effect, is the same for every arm; with
L > 1 each query token is one of two values (its sign), so the arm enters only through the signs of its
embedding; every task gets the same effect in standardised units.

Adaptations (docs/reproduction-mtmt.md): the arm index (0 = control, 1..K) indexes an embedding of K + 1
rows (the authors' has two rows, treated or not); the effect of arm k is the uplift computed with arm k's
embedding; the business-prior loss term (the authors' `loss5`, tied to their game-login task) is dropped;
the heads and projections the forward pass never uses (`tu_tau`, MTMT's own Q_w/K_w/V_w) are left out;
the input width is the data's (the authors' gate reads 626 features); a last training batch of one row is
skipped (batch norm needs two); the training recipe (optimiser, batch rule, epochs, early stopping,
validation selection) is this suite's, as for every deep method."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from methods.core.deep.base import UpliftNet

NORM_EPSILON = 1e-6  # the authors' constant in both normalisations


class BasicBlock(nn.Module):
    """Two 3-wide convolutions with batch norm and a residual connection (ResNet's basic block, 1-D)."""

    def __init__(self, n_in: int, n_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(n_in, n_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm1d(n_out)
        self.conv2 = nn.Conv1d(n_out, n_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm1d(n_out)
        self.shortcut = (
            nn.Sequential(nn.Conv1d(n_in, n_out, 1, stride=stride, bias=False), nn.BatchNorm1d(n_out))
            if stride != 1 or n_in != n_out
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18Features(nn.Module):
    """ResNet-18 over the feature axis: (n, d) -> (n, 8 * width, L); He (fan-out) initialised convolutions,
    batch norms at weight 1 and bias 0, as the authors' (LibMTL's) ResNet."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv1d(1, width, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm1d(width),
            nn.ReLU(),
            nn.MaxPool1d(3, stride=2, padding=1),
        )
        blocks, n_in = [], width
        for stage, stride in enumerate((1, 2, 2, 2)):
            n_out = width * 2**stage
            blocks += [BasicBlock(n_in, n_out, stride), BasicBlock(n_out, n_out, 1)]
            n_in = n_out
        self.blocks = nn.Sequential(*blocks)
        self.channels = n_in
        for module in self.modules():
            if isinstance(module, nn.Conv1d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm1d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x[:, None, :]))


class SignedQueryAttention(nn.Module):
    """The authors' MultiHeadAttn: Q, K, V projections (Xavier-uniform weights; the Q and K biases 0, V's
    left at PyTorch's default, as the authors' initialisation sets K's bias twice and V's never), scaled
    dot-product attention per head, dropout on the weights, no output projection."""

    def __init__(self, q_dim: int, kv_dim: int, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"attention_dim ({dim}) must divide into {heads} heads")
        self.heads = heads
        self.query, self.key, self.value = (nn.Linear(n, dim) for n in (q_dim, kv_dim, kv_dim))
        for layer in (self.query, self.key, self.value):
            nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(self.query.bias)
        nn.init.zeros_(self.key.bias)
        self.dropout = nn.Dropout(dropout)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        n, tokens, dim = x.shape
        return x.view(n, tokens, self.heads, dim // self.heads).transpose(1, 2)

    def forward(self, q: torch.Tensor, kv: torch.Tensor) -> torch.Tensor:
        Q, K, V = self.split(self.query(q)), self.split(self.key(kv)), self.split(self.value(kv))
        weights = torch.softmax(Q @ K.transpose(-2, -1) / math.sqrt(K.shape[-1]), -1)
        out = self.dropout(weights) @ V  # (n, heads, queries, dim / heads)
        return out.transpose(1, 2).reshape(len(q), q.shape[1], -1)


class MTMTAuthors(UpliftNet):
    """The published network; `uplift(users, tokens, arms)` is the effect of `arms` in standardised units,
    shared by every task."""

    def __init__(
        self, n_features, n_arms, n_targets, *, width=16, experts=4, embedding=16, attention_dim=256,
        heads=4, attention_dropout=0.2, **optim,
    ):  # fmt: skip
        super().__init__(n_features, n_arms, n_targets, **optim)
        self.experts = nn.ModuleList(ResNet18Features(width) for _ in range(experts))
        self.gates = nn.Linear(n_features, n_targets * experts)
        channels = self.experts[0].channels
        self.natural = nn.ModuleList(nn.Linear(channels, 1) for _ in range(n_targets))
        self.treatment_embedding = nn.Embedding(n_arms + 1, embedding)
        self.attention = SignedQueryAttention(
            1, channels * n_targets, attention_dim, heads, attention_dropout
        )
        self.enhancer = nn.Sequential(
            nn.Linear(attention_dim, attention_dim // 2),
            nn.GELU(),
            nn.Linear(attention_dim // 2, attention_dim),
        )
        self.uplift_head = nn.Linear(attention_dim, 1)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The natural responses y0 (n, tasks) and the L2-normalised key tokens (n, L, channels * tasks)."""
        experts = torch.stack([expert(x) for expert in self.experts], 1)  # (n, E, C, L)
        gates = torch.softmax(self.gates(x).view(len(x), self.n_targets, -1), -1)  # (n, tasks, E)
        users = torch.einsum("nte,necl->ntcl", gates, experts)
        y0 = torch.cat([head(users[:, k].mean(-1)) for k, head in enumerate(self.natural)], 1)
        keys = users.flatten(1, 2).transpose(1, 2)  # tasks' channels concatenated: (n, L, T * C)
        return y0, keys / (keys.norm(dim=-1, keepdim=True) + NORM_EPSILON)

    def uplift(self, keys: torch.Tensor, arms: torch.Tensor) -> torch.Tensor:
        """The uplift (n,) of each row's arm: its embedding's entries as sign tokens attend over the keys."""
        query = self.treatment_embedding(arms)[..., None]  # (n, embedding, 1)
        query = query / (query.abs() + NORM_EPSILON)
        tokens = self.enhancer(self.attention(query, keys))
        return self.uplift_head(tokens.mean(1))[:, 0]

    def outcomes(self, x, t):
        y0, keys = self.encode(x)
        treated = (t > 0)[:, None]
        return torch.where(treated, y0.detach() + self.uplift(keys, t)[:, None], y0)

    def effects(self, x):
        _, keys = self.encode(x)
        arms = [
            self.uplift(keys, torch.full((len(x),), k, device=x.device)) for k in range(1, self.n_arms + 1)
        ]
        return torch.stack(arms, 1)[:, :, None].expand(len(x), self.n_arms, self.n_targets)

    def loss(self, batch) -> torch.Tensor:
        """The authors' loss: per task the MSE of the observed arm's outcome, summed over the tasks."""
        x, t, y = batch
        return F.mse_loss(self.outcomes(x, t), y, reduction="none").mean(0).sum()

    def training_step(self, batch, batch_index):
        if len(batch[0]) < 2:  # batch norm needs two rows; Lightning skips a step that returns None
            return None
        return super().training_step(batch, batch_index)
