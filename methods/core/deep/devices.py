"""Which devices the Lightning models train on: one (the default), or several processes joined by
distributed data parallel (DDP). The harness sets it around each cell it computes (from the suite's
[trainer] table or `run --devices N --strategy ddp`); `training.fit` reads it. Imports no torch."""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

STRATEGIES = ("auto", "ddp")


@dataclass(frozen=True)
class Devices:
    """`devices` processes (one per GPU, or CPU processes where there is no GPU) and the Lightning
    strategy joining them: "auto" (DDP when devices > 1) or "ddp"."""

    devices: int = 1
    strategy: str = "auto"


_current: contextvars.ContextVar[Devices | None] = contextvars.ContextVar("devices", default=None)


def current() -> Devices:
    """The devices the models fitted now train on."""
    return _current.get() or Devices()


@contextlib.contextmanager
def training_on(devices: Devices):
    """Models fitted inside the block train on `devices`."""
    token = _current.set(devices)
    try:
        yield
    finally:
        _current.reset(token)
