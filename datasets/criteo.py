"""CRITEO-UPLIFT v2.1 (Diemert et al. 2018): 13,979,592 rows of an ad-exposure trial; features f0-f11,
treatment (about 85% treated), outcomes visit and conversion; exposure kept in meta["exposure"].

The official .gz (distributed as criteo-research-uplift-v2.1.csv.gz, saved as criteo-uplift-v2.1.csv.gz) is
verified by size and sha256; a decompressed copy has no published checksum and is reported as unverified.
Parsed data is cached as parquet (seconds to reload). Features must be finite and treatment, visit,
conversion and exposure 0 or 1, with both arms present."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from datasets._checks import require_arms, require_finite, require_in, require_rows
from datasets._files import RawFile, cached_table, locate, read_csv, verify
from datasets.base import DataError, UpliftData

DESCRIPTION = "CRITEO-UPLIFT v2.1: 13,979,592 rows, 12 features, 1 arm, visit/conversion (not shipped)"
ROWS = 13_979_592  # the rows `load` gives from the official file (the cost estimate uses it)
RAW = RawFile(
    name="criteo-uplift-v2.1.csv",
    url="https://go.criteo.net/criteo-research-uplift-v2.1.csv.gz",
    gz_sha256="2716e1bf0fd157a93b5bf86924d9088419dfbac2022c6cd90030220634f616dc",
    gz_size=311_422_618,
    aliases=("criteo-research-uplift-v2.1.csv.gz",),
)
FIXTURES = {
    "criteo-uplift-v2.1.rows1000.csv": "3177ba5085da27f2092bae08f6318e3908a23e38965040432dd8889b688a71a7"
}
FEATURES = [f"f{i}" for i in range(12)]
COLUMNS = [*FEATURES, "treatment", "conversion", "visit", "exposure"]
TYPES = {**dict.fromkeys(FEATURES, pa.float32()), **dict.fromkeys(COLUMNS[12:], pa.int8())}
OUTCOMES = ("visit", "conversion")
ARMS = ("control", "treated")
BINARY = ("treatment", "conversion", "visit", "exposure")
TEST_OPTIONS = {"path": "tests/data/criteo-uplift-v2.1.rows1000.csv.gz"}  # the official-layout sample


def raw_file(data_dir=None, path=None):
    """The raw file `load` reads: located, or downloaded and verified."""
    return locate(RAW, data_dir, path)


def load(data_dir=None, path=None, outcomes=OUTCOMES) -> UpliftData:
    """CRITEO with the chosen outcome columns (MTMT uses visit only)."""
    if not outcomes or set(outcomes) - set(OUTCOMES):
        raise DataError(f"criteo outcomes must be drawn from {', '.join(OUTCOMES)}, got {list(outcomes)}")
    file = raw_file(data_dir, path)
    source = verify(RAW, file, known=FIXTURES)
    table = cached_table("criteo", source["sha256"], lambda: read_csv(file, COLUMNS, types=TYPES))
    require_rows(file, table)
    require_finite(file, table, FEATURES)
    for column in BINARY:
        require_in(file, table, column, (0, 1))
    X = np.column_stack([table[f].to_numpy() for f in FEATURES]).astype(np.float32, copy=False)
    treatment = table["treatment"].to_numpy().astype(np.int64)
    require_arms(file, treatment, ARMS, "column treatment")
    n = len(treatment)
    return UpliftData(
        X=X,
        feature_names=tuple(FEATURES),
        treatment=treatment,
        arm_names=ARMS,
        y=np.column_stack([table[o].to_numpy().astype(np.float64) for o in outcomes]),
        outcome_names=tuple(outcomes),
        propensity=np.tile([1 - treatment.mean(), treatment.mean()], (n, 1)),
        meta={
            "name": "criteo",
            "source": source,
            "exposure": table["exposure"].to_numpy(),
            "notes": "propensity = the observed treated share (randomised trial)",
        },
    )
