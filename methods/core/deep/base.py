"""The LightningModule every deep effect model shares: outcome regression on the observed arm, AdamW
with cosine annealing, validation loss for early stopping and model selection."""

from __future__ import annotations

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


class UpliftNet(L.LightningModule):
    """Subclasses define `outcomes(x, t) -> (n, m)` (prediction for the observed arm, used by the loss)
    and `effects(x) -> (n, K, m)`; optionally `penalty()` added to the loss."""

    def __init__(self, n_features: int, n_arms: int, n_targets: int, *, lr: float = 1e-3,
                 weight_decay: float = 1e-3, t_max: int = 5, eta_min: float = 1e-5) -> None:  # fmt: skip
        super().__init__()
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
        return self.loss(batch)

    def validation_step(self, batch, batch_index):
        x, t, y = batch
        self.log("val_loss", F.mse_loss(self.outcomes(x, t), y), batch_size=len(x))

    def configure_optimizers(self):
        o = self.optim
        optimizer = torch.optim.AdamW(self.parameters(), lr=o["lr"], weight_decay=o["weight_decay"])
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=o["t_max"], eta_min=o["eta_min"]
        )
        return {"optimizer": optimizer, "lr_scheduler": schedule}
