"""Seeded synthetic trials built to test MTMT's claim: many arms and several tasks that share structure.

Features x ~ N(0, Sigma), d = 20, Sigma_ij = 0.3^|i-j|. Latent factors u(x) = tanh(1.5 x A) (r = 6; A
whitens a random orthonormal basis, so the six factors are independent) drive three tasks: two binary
outcomes (control base rates about 25% and 8%) and one continuous outcome (noise sd 1). On each
task's scale (logit or identity):

    y_j(x, k) = a_j(x) + 1[k > 0] (b_j(x) + gamma s_j c_k . v_j(x)),

with a_j the baseline and b_j the common base effect of any treatment (both linear in the task's factors),
and arm k's increment of low rank across arms: arm embeddings c_k = (cos 2 pi k / K, sin 2 pi k / K) on a
circle, v_j(x) two factor directions scaled to unit variance, s_j the base effect's mean size, so that the
increment-to-base ratio is `gamma`.

Negative controls: increments="independent" draws an independent random increment per arm and task (each a
function of its own random direction in x, size gamma s_j) and no base effect; tasks="orthogonal" gives each
task its own two factors, none shared with another task (so a mixture of experts has nothing to share).

With cost=True the trial also has a cost column, whose effect differs by arm (the ranking papers' problem
on many arms): arm k's cost effect is kappa_k (1 + 0.4 tanh(e_k . w(x))), with levels kappa_k rising
geometrically from 0.75 (arm 1) to 1.25 (arm K), w(x) two unit-variance factor directions of the cost's
own and e_k = (cos, sin)(2 pi k / K + pi / 2) (the arms' value embeddings turned a quarter circle), so
both the level and the shape of the cost effect differ by arm; the cost is 1 + 0.3 a_c(x) + 1[k > 0]
times that effect + N(0, 0.5^2) noise. meta["tau_cost"] (n, K) holds the
true cost effects. The cost is drawn after everything else, so the rest of the trial is the same with or
without it.

Every arm (control included) gets `rows_per_arm` rows. The true effects tau (n, K, 3) are differences of
expected outcomes (probabilities for the binary tasks), so they are exact; meta["common_effect"] (n, 3) is
the true effect of the base part alone (what a "treat or not" head should recover; zero without one)."""

from __future__ import annotations

import numpy as np

from datasets.base import DataError, UpliftData

DESCRIPTION = (
    "Synthetic MTMT trial: d=20 correlated features, K arms, 3 tasks (2 binary, 1 continuous), shared "
    "base effect + low-rank arm increments (or negative controls), true effects; optional arm-dependent cost"
)
N_FEATURES, N_FACTORS = 20, 6
INTERCEPTS = (-1.1, -2.45)  # logits of about 25% and 8% before the factors' spread
BASE_SIZE = (0.5, 0.5, 0.4)  # mean base effect per task on its own scale
INCREMENTS = ("low-rank", "independent")
TASKS = ("shared", "orthogonal")
COST_LEVELS = (0.75, 1.25)  # the cost effect's level of arm 1 and of arm K
COST_SPREAD, COST_NOISE = 0.4, 0.5


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _unit_variance(v: np.ndarray) -> np.ndarray:
    return (v - v.mean(0)) / np.where(v.std(0) > 0, v.std(0), 1.0)


def _task_factors(tasks: str, rng: np.random.Generator) -> list[np.ndarray]:
    """Per task a (factors, 4) loading matrix: columns baseline, base effect, increment directions 1, 2."""
    if tasks == "orthogonal":
        loadings = []
        for j in range(3):
            m = np.zeros((N_FACTORS, 4))
            m[2 * j : 2 * j + 2] = rng.standard_normal((2, 4))
            loadings.append(m)
        return loadings
    common = rng.standard_normal((N_FACTORS, 4))
    return [common + 0.3 * rng.standard_normal((N_FACTORS, 4)) for _ in range(3)]


def cost_levels(n_arms: int) -> np.ndarray:
    """kappa_k of arms 1..K: geometric from COST_LEVELS[0] to COST_LEVELS[1] (the lower one for K = 1)."""
    low, high = COST_LEVELS
    return low * (high / low) ** (np.arange(n_arms) / max(n_arms - 1, 1))


def _cost(u: np.ndarray, treatment: np.ndarray, n_arms: int, rng: np.random.Generator):
    """(observed cost (n,), true cost effects (n, K)) from the latent factors u."""
    w1, w2, baseline = (_unit_variance(u @ rng.standard_normal(N_FACTORS)) for _ in range(3))
    angles = 2 * np.pi * np.arange(1, n_arms + 1) / n_arms + np.pi / 2
    shape = np.cos(angles)[None, :] * w1[:, None] + np.sin(angles)[None, :] * w2[:, None]
    effects = cost_levels(n_arms)[None, :] * (1.0 + COST_SPREAD * np.tanh(shape))
    n = len(treatment)
    incurred = np.concatenate([np.zeros((n, 1)), effects], 1)[np.arange(n), treatment]
    return 1.0 + 0.3 * baseline + incurred + COST_NOISE * rng.standard_normal(n), effects


def generate(
    n_arms: int = 4,
    rows_per_arm: int = 1000,
    gamma: float = 0.3,
    increments: str = "low-rank",
    tasks: str = "shared",
    seed: int = 0,
    cost: bool = False,
) -> UpliftData:
    """A trial with n_arms arms plus control, rows_per_arm rows each, three tasks and, with `cost`, a
    cost column whose effect differs by arm."""
    if n_arms < 1 or rows_per_arm < 2 or gamma < 0:
        raise DataError("synthetic_mtmt needs n_arms >= 1, rows_per_arm >= 2 and gamma >= 0")
    if increments not in INCREMENTS or tasks not in TASKS:
        raise DataError(f"synthetic_mtmt: increments one of {INCREMENTS}, tasks one of {TASKS}")
    rng = np.random.default_rng(seed)
    n = rows_per_arm * (n_arms + 1)
    index = np.arange(N_FEATURES)
    chol = np.linalg.cholesky(0.3 ** np.abs(index[:, None] - index[None, :]))
    X = rng.standard_normal((n, N_FEATURES)) @ chol.T
    treatment = rng.permutation(np.repeat(np.arange(n_arms + 1), rows_per_arm))
    orthonormal = np.linalg.qr(rng.standard_normal((N_FEATURES, N_FACTORS)))[0]
    u = np.tanh(X @ np.linalg.solve(chol.T, orthonormal) * 1.5)  # independent factors: x A = z Q
    angles = 2 * np.pi * np.arange(1, n_arms + 1) / n_arms
    arms = np.stack([np.cos(angles), np.sin(angles)], 1)  # (K, 2) arm embeddings on the circle
    tau = np.empty((n, n_arms, 3))
    common = np.empty((n, 3))
    y = np.empty((n, 3))
    for j, loading in enumerate(_task_factors(tasks, rng)):
        a, b, v1, v2 = (_unit_variance(u @ loading[:, c]) for c in range(4))
        size = BASE_SIZE[j]
        base = size * (1.0 + 0.5 * b)
        if increments == "low-rank":
            increment = gamma * size * (arms[:, 0][None, :] * v1[:, None] + arms[:, 1][None, :] * v2[:, None])
        else:
            own = rng.standard_normal((N_FEATURES, n_arms))
            increment = gamma * size * _unit_variance(np.tanh(X @ (own / np.linalg.norm(own, axis=0))))
            base = np.zeros(n)
        baseline = (INTERCEPTS[j] + 0.5 * a) if j < 2 else a
        treated = baseline[:, None] + base[:, None] + increment  # (n, K) on the task's scale
        if j < 2:
            p0, pk = _sigmoid(baseline), _sigmoid(treated)
            tau[:, :, j], common[:, j] = pk - p0[:, None], _sigmoid(baseline + base) - p0
            p = np.concatenate([p0[:, None], pk], 1)[np.arange(n), treatment]
            y[:, j] = rng.random(n) < p
        else:
            tau[:, :, j], common[:, j] = increment + base[:, None], base
            mean = np.concatenate([baseline[:, None], treated], 1)[np.arange(n), treatment]
            y[:, j] = mean + rng.standard_normal(n)
    extra = {}
    if cost:
        spend, tau_cost = _cost(u, treatment, n_arms, rng)
        extra = {"cost": spend, "cost_names": ("cost",)}
    return UpliftData(
        X=X.astype(np.float32),
        feature_names=tuple(f"x{i}" for i in range(N_FEATURES)),
        treatment=treatment.astype(np.int64),
        arm_names=("control", *[f"arm{k}" for k in range(1, n_arms + 1)]),
        y=y,
        outcome_names=("binary25", "binary8", "continuous"),
        propensity=np.full((n, n_arms + 1), 1 / (n_arms + 1), dtype=np.float32),
        tau=tau.astype(np.float32),
        **extra,
        meta={
            "name": "synthetic_mtmt",
            "source": {"file": "GENERATED", "checksum_ok": None, "seed": seed},
            "notes": f"synthetic, seed {seed}: K={n_arms}, {rows_per_arm} rows per arm, gamma {gamma}, "
            f"increments {increments}, tasks {tasks}" + (", arm-dependent cost" if cost else ""),
            "common_effect": common.astype(np.float32),
            **({"tau_cost": tau_cost.astype(np.float32)} if cost else {}),
        },
    )


def load(
    data_dir=None,
    n_arms: int = 4,
    rows_per_arm: int = 1000,
    gamma: float = 0.3,
    increments: str = "low-rank",
    tasks: str = "shared",
    seed: int = 0,
    cost: bool = False,
) -> UpliftData:
    """`generate(...)`; data_dir is ignored (nothing to read)."""
    return generate(n_arms, rows_per_arm, gamma, increments, tasks, seed, cost)
