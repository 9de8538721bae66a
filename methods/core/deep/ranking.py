"""Direct ranking (DRM) and constrained ranking (CRM) of Zou et al. 2020 / HCL 2025 as one
LightningModule: full-batch training of a score s = tanh(f(x)) whose cohort-softmax weights aggregate the
incremental value and cost, minimising cost per unit of value (PAPERS.md section 2)."""

from __future__ import annotations

import lightning as L
import torch
from torch import nn
from torch.nn import functional as F

STABILISERS = ("softplus", "smooth-abs", "epsilon")


def stabilise(x: torch.Tensor, how: str, sharpness: float) -> torch.Tensor:
    """Keep numerator and denominator of the ratio positive and smooth: softplus(k x)/k, the HCL code's
    smooth absolute value sqrt(x^2 + 1/k^2), or max(x, 1/k)."""
    if how == "softplus":
        return F.softplus(x, beta=sharpness)
    if how == "smooth-abs":
        return torch.sqrt(x * x + 1.0 / sharpness**2)
    if how == "epsilon":
        return torch.clamp(x, min=1.0 / sharpness)
    raise ValueError(f"stabiliser must be one of {', '.join(STABILISERS)}, got {how!r}")


class RankingModel(L.LightningModule):
    """DRM (barrier=None) or CRM (barrier="quantile" or "budget").

    Batches are (x, treated, value, cost, weight) with weight the inverse propensity of the row's cohort.
    CRM gates scores with g = sigmoid(T (s - d)), d the q-quantile of the scores (or the score where the
    cumulative cost of the top rows reaches `budget` of the total) with its gradient stopped; the
    temperature T starts at `temperature` and rises by `temperature_step` every `temperature_every` steps."""

    def __init__(
        self,
        n_features: int,
        hidden: int = 0,
        lr: float = 0.01,
        weight_decay: float = 0.0,
        stabiliser: str = "softplus",
        sharpness: float = 100.0,
        barrier: str | None = None,
        q: float = 0.4,
        budget: float = 0.4,
        temperature: float = 0.5,
        temperature_step: float = 0.1,
        temperature_every: int = 100,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        if hidden:
            self.net = nn.Sequential(nn.Linear(n_features, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        else:
            self.net = nn.Linear(n_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The ranking score tanh(f(x)) of each row."""
        return torch.tanh(self.net(x)).squeeze(-1)

    def threshold(self, s: torch.Tensor, cost: torch.Tensor) -> torch.Tensor:
        """The barrier's offset d, without gradient."""
        s = s.detach()
        if self.hparams.barrier == "quantile":
            return torch.quantile(s, 1.0 - self.hparams.q)
        order = torch.argsort(s, descending=True)
        spent = torch.cumsum(torch.clamp(cost[order], min=0), 0)
        index = torch.searchsorted(spent, self.hparams.budget * spent[-1]).clamp(max=len(s) - 1)
        return s[order][index]

    def gated(self, s: torch.Tensor, cost: torch.Tensor) -> torch.Tensor:
        if self.hparams.barrier is None:
            return s
        steps = self.global_step // self.hparams.temperature_every
        temperature = self.hparams.temperature + self.hparams.temperature_step * steps
        return s * torch.sigmoid(temperature * (s - self.threshold(s, cost)))

    def increments(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(incremental value, incremental cost) under the cohort-softmax weights."""
        x, treated, value, cost, weight = batch
        s = self.gated(self(x), cost)
        increments = []
        for target in (value, cost):
            total = 0.0
            for cohort, sign in ((treated == 1, 1.0), (treated == 0, -1.0)):
                logits = s[cohort] + torch.log(weight[cohort])
                total = total + sign * torch.sum(torch.softmax(logits, 0) * target[cohort])
            increments.append(total)
        return increments[0], increments[1]

    def objective(self, batch) -> torch.Tensor:
        """Cost per unit of value, stabilised: minimised."""
        value, cost = self.increments(batch)
        how, k = self.hparams.stabiliser, self.hparams.sharpness
        return stabilise(cost, how, k) / stabilise(value, how, k)

    def training_step(self, batch, batch_index):
        loss = self.objective(batch)
        self.log("train_loss", loss, prog_bar=False)
        return loss

    def validation_step(self, batch, batch_index):
        self.log("val_loss", self.objective(batch))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)
