"""Direct ranking (DRM) and constrained ranking (CRM) of Zou et al. 2020 / HCL 2025 as one
LightningModule: full-batch training of a ranking score whose cohort-softmax weights aggregate the
incremental value and cost, minimising cost per unit of value (docs/reproduction-hcl.md).

Several initialisations train side by side as one model (weights of shape (inits, ...)): their
objectives are summed, and since Adam's update is elementwise each one follows exactly the path it
would follow alone. `select_init` then keeps the one with the lowest validation objective, as the
authors' 2020 code does with its five initialisations."""

from __future__ import annotations

import copy
import math

import lightning as L
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

STABILISERS = ("none", "softplus", "smooth-abs", "epsilon")
SCORES = ("tanh", "linear")
GATES = ("sigmoid", "scaled")
BARRIERS = (None, "quantile", "budget")


def stabilise(x: torch.Tensor, how: str, sharpness: float) -> torch.Tensor:
    """Numerator or denominator of the ratio: as is ("none", the 2020 code's raw ratio), or kept positive
    and smooth by softplus(k x)/k, the HCL code's smooth absolute value sqrt(x^2 + 1/k^2), or max(x, 1/k)."""
    if how == "none":
        return x
    if how == "softplus":
        return F.softplus(x, beta=sharpness)
    if how == "smooth-abs":
        return torch.sqrt(x * x + 1.0 / sharpness**2)
    if how == "epsilon":
        return torch.clamp(x, min=1.0 / sharpness)
    raise ValueError(f"stabiliser must be one of {', '.join(STABILISERS)}, got {how!r}")


def glorot(*shape: int, fan_in: int, fan_out: int) -> nn.Parameter:
    """Glorot-uniform weights (TensorFlow's default initialiser, used by the authors' code)."""
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return nn.Parameter(torch.empty(*shape).uniform_(-limit, limit))


def treated_first(treated: np.ndarray) -> np.ndarray:
    """The row order that puts the treated rows first (stable), as `RankingModel` batches need."""
    return np.argsort(-np.asarray(treated), kind="stable")


class RankingModel(L.LightningModule):
    """DRM (barrier=None) or CRM (barrier="quantile" or "budget"), `inits` initialisations at once.

    The score f(x) is linear (hidden=0) or one hidden tanh layer; `score` "tanh" squashes it (the DRM of
    the paper and both codes), "linear" keeps it raw (the 2020 code's CRM). Batches are (x, treated,
    value, cost, weight), weight the inverse propensity of the row's cohort.

    CRM's barrier d is the q-quantile from the top of the scores (or the score where the cumulative cost
    of the top rows reaches `budget` of the total), its gradient stopped. Gate "sigmoid" is the 2020
    code's: d is taken per cohort and the cohort softmax runs over sigmoid(T (s - d)). Gate "scaled" (ours)
    takes one d over all rows and runs the softmax over s * sigmoid(T (s - d)). The temperature T starts
    at `temperature` and rises by `temperature_step` every `temperature_every` steps."""

    def __init__(
        self,
        n_features: int,
        hidden: int = 0,
        inits: int = 1,
        score: str = "tanh",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        stabiliser: str = "none",
        sharpness: float = 100.0,
        barrier: str | None = None,
        gate: str = "sigmoid",
        q: float = 0.4,
        budget: float = 0.4,
        temperature: float = 0.5,
        temperature_step: float = 0.1,
        temperature_every: int = 100,
    ) -> None:
        super().__init__()
        for value, valid, what in (
            (score, SCORES, "score"),
            (gate, GATES, "gate"),
            (barrier, BARRIERS, "barrier"),
            (stabiliser, STABILISERS, "stabiliser"),
        ):
            if value not in valid:
                raise ValueError(f"{what} must be one of {', '.join(map(str, valid))}, got {value!r}")
        if inits < 1:
            raise ValueError(f"inits must be at least 1, got {inits}")
        self.save_hyperparameters()
        if hidden:
            self.w1 = glorot(inits, n_features, hidden, fan_in=n_features, fan_out=hidden)
            self.b1 = nn.Parameter(torch.zeros(inits, hidden))
        width = hidden or n_features
        self.w = glorot(inits, width, fan_in=width, fan_out=1)
        self.b = nn.Parameter(torch.zeros(inits))
        self.register_buffer("chosen", torch.zeros((), dtype=torch.long))
        self.steps_taken = 0

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """The score of every row under every initialisation: (inits, n)."""
        if self.hparams.hidden:
            h = torch.tanh(torch.matmul(x, self.w1) + self.b1[:, None, :])
            raw = torch.matmul(h, self.w[:, :, None])[:, :, 0] + self.b[:, None]
        else:
            raw = self.w @ x.T + self.b[:, None]
        return torch.tanh(raw) if self.hparams.score == "tanh" else raw

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The ranking score of each row under the chosen initialisation."""
        return self.scores(x)[self.chosen]

    def temperature(self) -> float:
        steps = self.steps_taken // self.hparams.temperature_every
        return self.hparams.temperature + self.hparams.temperature_step * steps

    def threshold(self, s: torch.Tensor, cost: torch.Tensor) -> torch.Tensor:
        """The barrier's offset d of each initialisation over the rows of `s` (inits, n): (inits, 1); the
        score of the ceil(q n)-th row from the top (as the 2020 code), or the budget's score."""
        s = s.detach()
        n = s.shape[1]
        if self.hparams.barrier == "quantile":
            top = max(1, math.ceil(self.hparams.q * n))
            return torch.kthvalue(s, n - top + 1, dim=1, keepdim=True).values
        ranked, order = torch.sort(s, dim=1, descending=True)
        spent = torch.cumsum(torch.clamp(cost[order], min=0), dim=1)
        index = torch.searchsorted(spent, self.hparams.budget * spent[:, -1:]).clamp(max=n - 1)
        return torch.gather(ranked, 1, index)

    def logits(self, s: torch.Tensor, cost: torch.Tensor, d: torch.Tensor | None) -> torch.Tensor:
        """The logits of one cohort's softmax from its scores (inits, n_cohort)."""
        if self.hparams.barrier is None:
            return s
        t = self.temperature()
        if self.hparams.gate == "sigmoid":
            return torch.sigmoid(t * (s - self.threshold(s, cost)))
        return s * torch.sigmoid(t * (s - d))

    def increments(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(incremental value, incremental cost) of each initialisation under the cohort-softmax weights.
        The batch's treated rows come first (`treated_first` orders them), so cohorts are slices."""
        x, treated, value, cost, weight = batch
        n_treated = int(treated.sum())
        if not bool(treated[:n_treated].all()):
            raise ValueError("a batch must hold its treated rows first (see treated_first)")
        s = self.scores(x)
        d = self.threshold(s, cost) if self.hparams.barrier and self.hparams.gate == "scaled" else None
        dv, dc = 0.0, 0.0
        for rows, sign in ((slice(0, n_treated), 1.0), (slice(n_treated, None), -1.0)):
            p = torch.softmax(self.logits(s[:, rows], cost[rows], d) + torch.log(weight[rows]), dim=1)
            dv = dv + sign * p @ value[rows]
            dc = dc + sign * p @ cost[rows]
        return dv, dc

    def objectives(self, batch) -> torch.Tensor:
        """Cost per unit of value of each initialisation (inits,): minimised."""
        value, cost = self.increments(batch)
        how, k = self.hparams.stabiliser, self.hparams.sharpness
        return stabilise(cost, how, k) / stabilise(value, how, k)

    def training_step(self, batch, batch_index):
        loss = self.objectives(batch).sum()
        if self._trainer is not None:  # under a Trainer; train_full_batch's plain loop logs nothing
            self.log("train_loss", loss)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_index) -> None:
        self.steps_taken += 1

    @torch.no_grad()
    def select_init(self, batch) -> torch.Tensor:
        """Keep the initialisation with the lowest objective on `batch` (the validation rows, with the
        temperature reached in training); returns every initialisation's objective."""
        objectives = self.objectives(batch)
        finite = torch.where(torch.isfinite(objectives), objectives, torch.inf)
        self.chosen.fill_(int(torch.argmin(finite)))
        return objectives

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)


def train_full_batch(
    model: RankingModel, train: tuple, valid: tuple | None, *, steps: int, validate_every: int
) -> float | None:
    """Train on the whole of `train` for `steps` Adam steps, on a GPU when there is one, through the
    module's own hooks (training_step, on_train_batch_end, configure_optimizers) in a plain loop: for these
    small full-batch models a Lightning Trainer's per-step overhead costs more than the step itself
    (docs/perf/ranking.md). With `valid`, the weights of the step with the lowest validation objective
    (checked every `validate_every` steps) are kept; returns that objective."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).train()
    batch = tuple(torch.as_tensor(np.asarray(a), dtype=torch.float32, device=device) for a in train)
    check = valid and tuple(torch.as_tensor(np.asarray(a), dtype=torch.float32, device=device) for a in valid)
    optimiser = model.configure_optimizers()
    best, state = float("inf"), None
    for step in range(steps):
        optimiser.zero_grad(set_to_none=True)
        loss = model.training_step(batch, step)
        loss.backward()
        optimiser.step()
        model.on_train_batch_end(loss, batch, step)
        if check and (step + 1) % validate_every == 0:
            with torch.no_grad():
                objective = float(model.objectives(check).min())
            if objective < best:
                best, state = objective, copy.deepcopy(model.state_dict())
    if state is not None:
        model.load_state_dict(state)
    model.cpu().eval()
    return best if state is not None else None
