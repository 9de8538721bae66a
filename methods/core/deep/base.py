"""The LightningModule every deep effect model shares: outcome regression on the observed arm, AdamW
with cosine annealing, validation loss for early stopping and model selection; and the grouped linear
layer that runs many small same-shaped layers (experts, tasks, arms) as one batched product."""

from __future__ import annotations

import math

import lightning as L
import torch
from torch import nn
from torch.nn import functional as F


def mlp(n_in: int, hidden: int, layers: int, dropout: float = 0.0, n_out: int | None = None) -> nn.Sequential:
    """`layers` hidden ELU layers of width `hidden`, then an optional linear output."""
    blocks: list[nn.Module] = []
    for i in range(layers):
        blocks += [nn.Linear(n_in if i == 0 else hidden, hidden), nn.ELU(), nn.Dropout(dropout)]
    if n_out is not None:
        blocks.append(nn.Linear(hidden if layers else n_in, n_out))
    return nn.Sequential(*blocks)


class GroupedLinear(nn.Module):
    """`groups` independent linear layers run as one batched product: `forward` maps (n, groups, n_in) to
    (n, groups, n_out), `shared` maps one input (n, n_in) through every group (one matrix product).
    Initialised as nn.Linear is, so it is a loop of nn.Linear layers without the loop."""

    def __init__(self, groups: int, n_in: int, n_out: int) -> None:
        super().__init__()
        bound = 1 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(groups, n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(groups, n_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias[:, None, :], x.transpose(0, 1), self.weight).transpose(0, 1)

    def shared(self, x: torch.Tensor) -> torch.Tensor:
        groups, n_in, n_out = self.weight.shape
        flat = x @ self.weight.transpose(0, 1).reshape(n_in, groups * n_out)
        return flat.view(len(x), groups, n_out) + self.bias


class UpliftNet(L.LightningModule):
    """Subclasses define `outcomes(x, t) -> (n, m)` (prediction for the observed arm, used by the loss)
    and `effects(x) -> (n, K, m)`; optionally `penalty()` added to the loss.

    Every constructor argument is saved as a hyperparameter, so `Class.load_from_checkpoint(path)`
    rebuilds the network. The optimiser is AdamW(lr, weight_decay) with cosine annealing from lr to
    eta_min over t_max epochs (None: the trainer's max_epochs, one decay over the whole run; MTMT's paper
    uses 5, which restarts the rate every 10 epochs of a 50-epoch run)."""

    def __init__(
        self,
        n_features: int,
        n_arms: int,
        n_targets: int,
        *,
        lr: float = 1e-3,
        weight_decay: float = 1e-3,
        t_max: int | None = None,
        eta_min: float = 1e-5,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.n_features, self.n_arms, self.n_targets = n_features, n_arms, n_targets
        self.optim = {"lr": lr, "weight_decay": weight_decay, "t_max": t_max, "eta_min": eta_min}

    def outcomes(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def effects(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def penalty(self) -> torch.Tensor | float:
        return 0.0

    def loss(self, batch) -> torch.Tensor:
        x, t, y = batch
        return F.mse_loss(self.outcomes(x, t), y) + self.penalty()

    def training_step(self, batch, batch_index):
        loss = self.loss(batch)
        self.log("train_loss", loss, batch_size=len(batch[0]), on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_index):
        x, t, y = batch
        self.log("val_loss", F.mse_loss(self.outcomes(x, t), y), batch_size=len(x))

    def configure_optimizers(self):
        o = self.optim
        optimizer = torch.optim.AdamW(self.parameters(), lr=o["lr"], weight_decay=o["weight_decay"])
        t_max = o["t_max"] or (self.trainer.max_epochs if self.trainer.max_epochs > 0 else 1)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t_max, eta_min=o["eta_min"])
        return {"optimizer": optimizer, "lr_scheduler": schedule}
