"""The method contract (docs/contract.md).

A method is one class in one file of methods/, subclassing `UpliftMethod`. Effect estimators implement
`_fit` and `_predict`; the base class validates input, checks the capabilities against the data, isolates
random state, learns the effect on cost as extra outcomes when the data has cost, and derives `rank` from
the predicted effects. Ranking methods (DRM, CRM) that use cost natively set `capabilities.uses_cost` and
override `rank`.
"""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

RATIO_EPSILON = 1e-5
RATIO_RULES = ("plain", "relu")  # the `ratio` ranking parameter of a method that declares it


def ratio_score(tau_value: np.ndarray, tau_cost: np.ndarray, rule: str = "plain") -> np.ndarray:
    """The targeting score of value per unit of cost. "plain" is tau_v / tau_c, the HCL paper's causal
    forest's rule (sign and all: a row whose cost falls is scored negative however much value it gains;
    an exactly zero tau_c counts as +1e-5); "relu" is relu(tau_v) / (relu(tau_c) + 1e-5), the 2025 HCL
    code's rule and the default of every method that declares no `ratio`."""
    if rule == "relu":
        return np.maximum(tau_value, 0.0) / (np.maximum(tau_cost, 0.0) + RATIO_EPSILON)
    if rule == "plain":
        return tau_value / np.where(tau_cost == 0, RATIO_EPSILON, tau_cost)
    raise ValueError(f"ratio must be one of {', '.join(RATIO_RULES)}, got {rule!r}")


class MethodNotApplicable(Exception):
    """The method cannot serve this data (e.g. several arms for a single-arm method); the run records the
    reason and goes on."""


class MethodError(Exception):
    """A problem the user can fix: unknown method name, duplicate names, bad parameters, a plug-in refused
    by discovery."""


@dataclass(frozen=True)
class Capabilities:
    """What a method can do (docs/contract.md); the runner skips a method whose capabilities do not fit
    the data, before tuning, with the reason."""

    multi_arm: bool = True  # serves K > 1 treatment arms (natively or with one model per arm)
    multi_outcome: bool = True  # serves m > 1 outcomes (natively or with one model per outcome)
    uses_cost: bool = False  # fits on cost directly (ranking methods); otherwise cost is learnt as an outcome
    needs_cost: bool = False  # meaningless without cost (DRM, CRM)
    predicts_effects: bool = True  # `predict` returns effects; False for pure ranking methods
    binary_outcomes_only: bool = False  # every column it models must be 0/1 (uplift trees)
    native: str = ""  # how several arms/outcomes are served, e.g. "native" or "one model per arm"


class ValidationSet(NamedTuple):
    """The validation split handed to `fit` for early stopping and model selection (never the test split)."""

    X: np.ndarray
    treatment: np.ndarray
    y: np.ndarray
    cost: np.ndarray | None = None


@contextlib.contextmanager
def isolated_random_state(seed: int) -> Iterator[None]:
    """Seed Python's, NumPy's and (if loaded) torch's global generators for the block, then restore them,
    so that fitting is reproducible and leaves the caller's random state untouched."""
    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 - the legacy global state is what we isolate
    torch = sys.modules.get("torch")
    torch_state = torch.random.get_rng_state() if torch is not None else None
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002
    if torch is not None:
        torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002
        if torch is not None and torch_state is not None:
            torch.random.set_rng_state(torch_state)


def is_binary(array: np.ndarray) -> bool:
    """Whether every entry is 0 or 1."""
    values = np.asarray(array)
    return bool(np.all((values == 0) | (values == 1)))


def as_2d(array: np.ndarray | None, n: int) -> np.ndarray | None:
    """`array` as a float64 (n, columns) matrix, or None."""
    if array is None:
        return None
    return np.asarray(array, dtype=np.float64).reshape(n, -1)


class UpliftMethod:
    """Base class of every method. Subclasses set `name`, `capabilities`, `references`, `defaults` and,
    when the defaults train for long, `fast_params`: the parameters that make the contract tests fast."""

    name: ClassVar[str] = ""
    capabilities: ClassVar[Capabilities] = Capabilities()
    references: ClassVar[tuple[str, ...]] = ()
    defaults: ClassVar[dict[str, Any]] = {}
    fast_params: ClassVar[dict[str, Any]] = {}
    param_ranges: ClassVar[
        dict[str, tuple[float | None, float | None]]
    ] = {}  # bounds other than the defaults'
    param_choices: ClassVar[dict[str, tuple[Any, ...]]] = {}  # the values a parameter may take, if few
    ranking_params: ClassVar[frozenset[str]] = frozenset()  # change `rank` only, never the fit

    def __init__(self, **params: Any) -> None:
        self.params = dict(params)

    # -- parameters ---------------------------------------------------------------------------------
    def resolved_params(self) -> dict[str, Any]:
        """Defaults overlaid with the given parameters; MethodError naming any unknown parameter,
        ValueError for a value outside its `param_choices`."""
        unknown = sorted(set(self.params) - set(self.defaults))
        if unknown:
            raise MethodError(
                f"method {self.name!r} has no parameter {', '.join(unknown)}; "
                f"valid: {', '.join(self.defaults)}"
            )
        resolved = {**self.defaults, **self.params}
        for name, choices in self.param_choices.items():
            if name in resolved and resolved[name] not in choices:
                allowed = ", ".join(map(str, choices))
                raise ValueError(f"{name} must be one of {allowed}, got {resolved[name]!r}")
        return resolved

    def fit_params(self) -> dict[str, Any]:
        """The resolved parameters that shape the fit: all but the `ranking_params`."""
        return {k: v for k, v in self.params_.items() if k not in self.ranking_params}

    @classmethod
    def check_ranking(cls, overrides: dict[str, Any]) -> None:
        """MethodError unless every key of `overrides` is one of the method's ranking parameters: those
        that change only `rank`, so that one fit serves every value (a suite's `rankings`)."""
        others = sorted(set(overrides) - cls.ranking_params)
        if others:
            valid = ", ".join(sorted(cls.ranking_params)) or "none"
            raise MethodError(
                f"method {cls.name!r}: {', '.join(others)} changes the fit, not only the ranking; "
                f"ranking parameters: {valid}"
            )

    @classmethod
    def search_space(cls, trial: Any) -> dict[str, Any]:
        """Optuna search space: parameters suggested from `trial` (empty = untuned)."""
        return {}

    # -- applicability ------------------------------------------------------------------------------
    @classmethod
    def check_applicable(cls, *, n_arms: int, y: np.ndarray, cost: np.ndarray | None) -> None:
        """Raise MethodNotApplicable with a reason when this method cannot serve data with `n_arms` arms,
        outcomes `y` (n, m) and `cost` (or None). The harness calls it before tuning, `fit` again."""
        caps = cls.capabilities
        n_outcomes = as_2d(y, len(y)).shape[1]
        if n_arms > 1 and not caps.multi_arm:
            raise MethodNotApplicable(f"{cls.name} handles one treatment arm, the data has {n_arms} arms")
        if n_outcomes > 1 and not caps.multi_outcome:
            raise MethodNotApplicable(f"{cls.name} handles one outcome, the data has {n_outcomes} outcomes")
        if caps.needs_cost and cost is None:
            raise MethodNotApplicable(f"{cls.name} needs a cost, the data has none")
        if caps.binary_outcomes_only:
            if not is_binary(y):
                raise MethodNotApplicable(f"{cls.name} models binary outcomes only; an outcome is not 0/1")
            if cost is not None and not caps.uses_cost and not is_binary(cost):
                raise MethodNotApplicable(
                    f"{cls.name} models binary outcomes only; the cost, learnt as an outcome, is not 0/1"
                )

    # -- fitting ------------------------------------------------------------------------------------
    def fit(
        self,
        X: np.ndarray,
        treatment: np.ndarray,
        y: np.ndarray,
        *,
        cost: np.ndarray | None = None,
        propensity: np.ndarray | None = None,
        valid: ValidationSet | None = None,
        seed: int = 0,
    ) -> UpliftMethod:
        """Fit on training rows; `valid` may be used for early stopping, never the test rows."""
        X, treatment, y = validate_inputs(X, treatment, y)
        n = X.shape[0]
        cost2d = as_2d(cost, n)
        self.n_arms_ = int(treatment.max())
        self.n_outcomes_ = y.shape[1]
        self.n_costs_ = 0 if cost2d is None else cost2d.shape[1]
        self.params_ = self.resolved_params()
        self.check_applicable(n_arms=self.n_arms_, y=y, cost=cost2d)
        if treatment.min() != 0 or len(np.unique(treatment)) != self.n_arms_ + 1:
            raise ValueError("treatment must contain control (0) and every arm 1..K in the training rows")
        valid = None if valid is None else validation_arrays(valid, has_cost=cost2d is not None)
        if cost2d is not None and not self.capabilities.uses_cost:
            targets = np.hstack([y, cost2d])
            if valid is not None:
                valid = ValidationSet(valid.X, valid.treatment, np.hstack([valid.y, valid.cost]))
            cost2d = None
        else:
            targets = y
        with isolated_random_state(seed):
            self._fit(X, treatment, targets, cost=cost2d, propensity=propensity, valid=valid, seed=seed)
        return self

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed) -> None:
        """Fit on (n, d) X, int treatment and (n, targets) y; targets are outcomes then cost columns."""
        raise NotImplementedError(f"{type(self).__name__} must implement _fit (docs/contract.md)")

    def _predict(self, X: np.ndarray) -> np.ndarray:
        """Effects (n, K, targets) of each arm against control on every target column."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _predict, or override rank and set "
            "Capabilities(predicts_effects=False) (docs/contract.md)"
        )

    # -- prediction ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def predicting_once(self) -> Iterator[UpliftMethod]:
        """Within the block, the effects of one input array (the same object) are computed once and
        shared by `predict`, `predict_cost` and `rank`: scoring a split needs all three. Nested blocks
        share the outermost block's results."""
        outermost = getattr(self, "_effects_cache", None) is None
        if outermost:
            self._effects_cache: dict[int, tuple[np.ndarray, np.ndarray]] | None = {}
        try:
            yield self
        finally:
            if outermost:
                self._effects_cache = None

    @contextlib.contextmanager
    def ranked_by(self, overrides: dict[str, Any]) -> Iterator[UpliftMethod]:
        """Within the block, the fitted method ranks with `overrides` of its ranking parameters (MethodError
        for any other parameter): several ranking rules scored from one fit."""
        self.check_ranking(overrides)
        fitted = self.params_
        self.params_ = {**fitted, **overrides}
        try:
            yield self
        finally:
            self.params_ = fitted

    def _effects(self, X: np.ndarray) -> np.ndarray:
        if not self.capabilities.predicts_effects:
            raise NotImplementedError(f"{self.name} ranks units but does not estimate effects")
        cache = getattr(self, "_effects_cache", None)
        if cache is not None and id(X) in cache:
            return cache[id(X)][1]
        inputs = np.asarray(X, dtype=np.float32)
        with isolated_random_state(0):
            effects = np.asarray(self._predict(inputs), dtype=np.float64)
        expected = (inputs.shape[0], self.n_arms_, self.n_outcomes_ + self.n_costs_)
        if effects.shape != expected:
            raise RuntimeError(f"{self.name}._predict returned shape {effects.shape}, expected {expected}")
        if cache is not None:
            cache[id(X)] = (X, effects)  # X is kept so that its id cannot be reused by another array
        return effects

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Estimated effect of each arm against control on each outcome: (n, K, m)."""
        return self._effects(X)[:, :, : self.n_outcomes_]

    def predict_cost(self, X: np.ndarray) -> np.ndarray:
        """Estimated effect of each arm against control on each cost column: (n, K, c)."""
        if self.n_costs_ == 0:
            raise ValueError(f"{self.name} was fitted without cost")
        return self._effects(X)[:, :, self.n_outcomes_ :]

    def rank(self, X: np.ndarray, *, value: int = 0, cost: int | None = None) -> np.ndarray:
        """Targeting score (n,): the value effect of the best arm, or with `cost` (a cost column index)
        the best arm's ratio of value to cost effect under the method's `ratio` rule (relu when it declares
        none; `ratio_score`)."""
        if cost is not None:
            return self.arm_ranks(X, value=value, cost=cost).max(axis=1)
        return self._effects(X)[:, :, value].max(axis=1)

    def arm_ranks(self, X: np.ndarray, *, value: int = 0, cost: int = 0) -> np.ndarray:
        """Each arm's value per unit of cost (n, K) under the method's `ratio` rule, on one scale across
        arms: what a row's arm is chosen by under a budget (metrics/budget.py)."""
        effects = self._effects(X)
        rule = self.params_.get("ratio", "relu")
        return ratio_score(effects[:, :, value], effects[:, :, self.n_outcomes_ + cost], rule)


def validation_arrays(valid: ValidationSet, has_cost: bool) -> ValidationSet:
    """The validation rows in the training rows' dtypes and shapes: X float32, treatment int64, y and cost
    2-D float64; ValueError when the training rows have cost and these lack it."""
    X, treatment, y = validate_inputs(valid.X, valid.treatment, valid.y)
    if has_cost and valid.cost is None:
        raise ValueError("the training rows have cost, the validation rows none")
    return ValidationSet(X, treatment, y, as_2d(valid.cost, len(y)) if has_cost else None)


def validate_inputs(X, treatment, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrays in the contract's dtypes and shapes; ValueError saying what is wrong otherwise."""
    X = np.asarray(X, dtype=np.float32)
    treatment = np.asarray(treatment)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    if treatment.dtype.kind not in "iub":
        raise ValueError(f"treatment must hold integer arm codes (0 = control), got dtype {treatment.dtype}")
    treatment = treatment.astype(np.int64)
    y = np.asarray(y, dtype=np.float64)
    y = y.reshape(len(y), -1)
    if not len(X) == len(treatment) == len(y):
        raise ValueError(f"X, treatment and y differ in length: {len(X)}, {len(treatment)}, {len(y)}")
    if not np.isfinite(X).all() or not np.isfinite(y).all():
        raise ValueError("X and y must be finite (no NaN or infinity)")
    return X, treatment, y
