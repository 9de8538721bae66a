"""Where the Lightning models log their per-epoch training and validation loss: a Lightning logger chosen
by the harness around a cell's final fit (`run --logger csv|tensorboard|mlflow|none`; csv by default),
writing into the run folder. Outside such a block (tuning trials, tests, scripts) nothing is logged.
Imports no torch."""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from pathlib import Path

LOGGERS = ("csv", "tensorboard", "mlflow", "none")
# the package each Lightning logger needs beyond Lightning itself
OPTIONAL_PACKAGES = {"tensorboard": ("tensorboard", "tensorboardX"), "mlflow": ("mlflow",)}


@dataclass(frozen=True)
class TrainingLog:
    """A logger `kind` writing under the run folder `folder` for the cell `name`: csv and tensorboard into
    folder/training/<name>/, mlflow into the file store folder/mlruns (one run per cell)."""

    kind: str
    folder: str
    name: str

    def lightning_logger(self):
        """The Lightning logger of `kind` (csv, tensorboard or mlflow)."""
        root = Path(self.folder) / "training"
        if self.kind == "csv":
            from lightning.pytorch.loggers import CSVLogger

            return CSVLogger(root, name=self.name, version="")
        if self.kind == "tensorboard":
            from lightning.pytorch.loggers import TensorBoardLogger

            return TensorBoardLogger(root, name=self.name, version="", default_hp_metric=False)
        if self.kind == "mlflow":
            from lightning.pytorch.loggers import MLFlowLogger

            uri = (Path(self.folder) / "mlruns").resolve().as_uri()
            return MLFlowLogger(experiment_name=Path(self.folder).name, run_name=self.name, tracking_uri=uri)
        raise ValueError(f"unknown logger {self.kind!r}; valid: csv, tensorboard, mlflow")


_current: contextvars.ContextVar[TrainingLog | None] = contextvars.ContextVar("training_log", default=None)


def current_logger():
    """The Lightning logger of the fit running now (False when none is chosen)."""
    chosen = _current.get()
    return chosen.lightning_logger() if chosen is not None else False


@contextlib.contextmanager
def logging_training(log: TrainingLog | None):
    """Models fitted inside the block log their epochs to `log` (None: not at all)."""
    token = _current.set(log)
    try:
        yield
    finally:
        _current.reset(token)
