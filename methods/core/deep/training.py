"""What the Lightning models share: in-memory batch streams, a Trainer configured for reproducible
CPU/GPU runs on one device or several (DDP, see devices.py), and keeping the weights of the best validation
epoch. Importing this module changes no global state: Lightning's informational messages are quietened
only while `fit` runs."""

from __future__ import annotations

import contextlib
import copy
import logging
import warnings

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset

from methods.core.deep.devices import current
from methods.core.deep.logs import current_logger

QUIET_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric")
EXPECTED_WARNINGS = (
    ".*does not have many workers.*",  # batches are formed in memory: workers would only add copies
    ".*GPU available but not used.*",
    ".*IterableDataset. has .__len__. defined.*",
    ".*treespec, LeafSpec.*",
    ".*sync_dist=True.*",  # under DDP every process validates on all validation rows: the same loss
    ".*log_every_n_steps.*",  # the losses are logged per epoch
    ".*Experiment logs directory.*exists and is not empty.*",  # a cell computed again replaces its log
)


@contextlib.contextmanager
def quiet_lightning():
    """Lightning's info messages and the warnings above silenced inside the block, restored after it."""
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    try:
        with warnings.catch_warnings():
            silence_lightning()
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def silence_lightning() -> None:
    """Lightning's info messages and the warnings above silenced from now on in this process."""
    for pattern in EXPECTED_WARNINGS:
        warnings.filterwarnings("ignore", pattern)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


class QuietProcesses(L.Callback):
    """DDP's spawned processes start without the caller's quiet settings: silence Lightning there too
    (they end with the fit; with one process `setup` runs in the caller, whose block restores them)."""

    def setup(self, trainer, module, stage) -> None:
        if trainer.world_size > 1:
            silence_lightning()


class TensorBatches(IterableDataset):
    """Mini-batches sliced from tensors held in memory: one seeded permutation per epoch and one
    indexing operation per batch, never a Python step per row. batch_size 0 = the full data each time.

    Under DDP each of the `shard = (rank, processes)` processes draws the same permutation and takes
    every processes-th row of each batch from its rank on: the batch (and the number of steps) stays the
    one a single process uses, split between the processes, whose gradients DDP averages; a batch with
    fewer rows than processes is left out."""

    def __init__(self, tensors, batch_size: int = 0, shuffle: bool = False, seed=0, shard=(0, 1)):
        self.tensors = tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)
        self.rank, self.processes = shard

    def _sizes(self) -> list[int]:
        n = len(self.tensors[0])
        size = self.batch_size or max(n, 1)
        return [s for s in (min(size, n - start) for start in range(0, n, size)) if s >= self.processes]

    def __len__(self) -> int:
        return len(self._sizes())

    def __iter__(self):
        n = len(self.tensors[0])
        if (not self.batch_size or self.batch_size >= n) and self.processes == 1:
            yield self.tensors
            return
        size = self.batch_size or max(n, 1)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, size):
            index = order[start : start + size]
            if len(index) >= self.processes:
                index = index[self.rank :: self.processes] if self.processes > 1 else index
                yield tuple(t[index] for t in self.tensors)


def loader(arrays, batch_size: int = 0, shuffle: bool = False, seed: int = 0, shard=(0, 1)) -> DataLoader:
    """A DataLoader over numpy arrays (float32 unless integer), batches already formed."""
    tensors = tuple(
        torch.as_tensor(a, dtype=torch.long if np.asarray(a).dtype.kind in "iu" else torch.float32)
        for a in arrays
    )
    return DataLoader(TensorBatches(tensors, batch_size, shuffle, seed, shard), batch_size=None)


class InMemoryData(L.LightningDataModule):
    """Training and validation arrays held in memory, served as TensorBatches (the training rows shuffled
    by a seeded generator each epoch; validation in large fixed batches)."""

    def __init__(self, train, valid=None, *, batch_size: int = 0, seed: int = 0, valid_batch_size: int = 0):
        super().__init__()
        self.train, self.valid = train, valid
        self.batch_size, self.seed, self.valid_batch_size = batch_size, seed, valid_batch_size

    def train_dataloader(self) -> DataLoader:
        shard = (self.trainer.global_rank, self.trainer.world_size)
        return loader(self.train, self.batch_size, shuffle=bool(self.batch_size), seed=self.seed, shard=shard)

    def val_dataloader(self) -> DataLoader | list:
        return [] if self.valid is None else loader(self.valid, self.valid_batch_size)


class KeepBest(L.Callback):
    """Keeps the weights with the lowest `monitor` value seen at validation (model selection on the
    validation split) and stops after `patience` validations without improvement (0 = never). After the
    fit, `epochs` is the number of epochs trained and `best` the lowest value (inf without validation)."""

    def __init__(self, monitor: str = "val_loss", patience: int = 0) -> None:
        self.monitor, self.patience = monitor, patience
        self.best, self.state, self.bad, self.epochs = float("inf"), None, 0, 0

    def on_validation_end(self, trainer, module) -> None:
        if trainer.sanity_checking or self.monitor not in trainer.callback_metrics:
            return
        value = float(trainer.callback_metrics[self.monitor])
        if value < self.best:
            self.best, self.state, self.bad = value, copy.deepcopy(module.state_dict()), 0
        else:
            self.bad += 1
            if self.patience and self.bad >= self.patience:
                trainer.should_stop = True

    def on_fit_end(self, trainer, module) -> None:
        self.restore(module)  # in the training process: DDP's spawned processes send these weights back
        self.epochs = trainer.current_epoch
        # and their callback_metrics: the caller's KeepBest reads what this one found from there
        trainer.callback_metrics.update(
            epochs_trained=torch.tensor(float(self.epochs)), best_monitored=torch.tensor(self.best)
        )

    def read_back(self, trainer) -> None:
        """Take the epochs trained and the best value from the fit's callback_metrics (under DDP the fit
        ran in spawned processes, on copies of this callback)."""
        self.epochs = int(trainer.callback_metrics["epochs_trained"])
        self.best = float(trainer.callback_metrics["best_monitored"])

    def restore(self, module) -> None:
        if self.state is not None:
            module.load_state_dict(self.state)


def seeded(build, seed: int):
    """`build()` with torch's generator seeded first, so that weights start the same for the same seed
    (torch may have been imported only now, after the caller's random state was isolated)."""
    torch.manual_seed(seed)
    return build()


def trainer_devices() -> dict:
    """The Trainer's devices and strategy (devices.py). DDP's processes are spawned (Lightning's
    "ddp_spawn") rather than launched as copies of the command line (its "ddp"), which would run the whole
    harness command again in each; Lightning joins them with gloo on CPUs and NCCL on GPUs."""
    chosen = current()
    if chosen.strategy == "ddp" or chosen.devices > 1:
        from lightning.pytorch.strategies import DDPStrategy

        return {"devices": chosen.devices, "strategy": DDPStrategy(start_method="spawn")}
    return {"devices": 1, "strategy": "auto"}


def fit(
    module: L.LightningModule,
    data: InMemoryData,
    *,
    max_epochs: int,
    seed: int,
    patience: int = 0,
    validate_every: int = 1,
) -> KeepBest:
    """Train on `train`, select the best validation epoch's weights, on a GPU when there is one."""
    with quiet_lightning():
        L.seed_everything(seed, workers=False, verbose=False)
        keep = KeepBest(patience=patience)
        trainer = L.Trainer(
            max_epochs=max_epochs,
            accelerator="auto",
            **trainer_devices(),
            deterministic=True,
            logger=current_logger(),
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            num_sanity_val_steps=0,
            check_val_every_n_epoch=validate_every,
            limit_val_batches=1.0 if data.valid is not None else 0,
            callbacks=[keep, QuietProcesses()],
        )
        trainer.fit(module, datamodule=data)  # KeepBest restores the best weights as it ends
        keep.read_back(trainer)
    module.cpu().eval()
    return keep


@torch.no_grad()
def predict_in_batches(function, X: np.ndarray, batch_size: int = 65536):
    """Apply `function` to X in batches on the CPU: a tensor result comes back as one numpy array, a dict
    of tensors (or None) as a dict of numpy arrays (or None)."""
    outputs = [function(torch.as_tensor(X[i : i + batch_size])) for i in range(0, len(X), batch_size)]
    if isinstance(outputs[0], dict):
        return {
            key: None if first is None else torch.cat([out[key].cpu() for out in outputs]).numpy()
            for key, first in outputs[0].items()
        }
    return torch.cat([out.cpu() for out in outputs]).numpy()
