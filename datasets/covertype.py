"""UCI Covertype in the HCL construction (docs/datasets.md, docs/reproduction-hcl.md; Zou et al. 2020).

Rows: cover types Spruce/Fir (1) and Lodgepole Pine (2) with elevation above its median among them
(247,424 rows). Treatment: horizontal distance to hydrology below its median. Value: horizontal distance
to fire points below its median. Cost: 1 for one cover type: `cost_convention="code"` (default, the
authors' code: Spruce/Fir = 1, average incremental cost +0.118) or `"text"` (the paper's text: Lodgepole
Pine = 1, average incremental cost -0.118, which makes the cost curve end below zero). Features (51):
columns 0-2, 5-8, 10-53, z-scored (a choice: the models are scale-sensitive; the ranking is unaffected).

The official address serves a .zip holding covtype.data.gz; that member is saved and its decompressed
content verified by sha256. Every value must be an integer and the cover type 1-7."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from datasets._checks import require_arms, require_finite, require_in, require_rows
from datasets._files import RawFile, cached_table, locate, read_csv, verify
from datasets.base import DataError, UpliftData, zscore

DESCRIPTION = "UCI Covertype, HCL construction: 247,424 rows, 51 features, binary value and cost"
RAW = RawFile(
    name="covtype.data",
    url="https://archive.ics.uci.edu/static/public/31/covertype.zip",
    content_sha256="0a9371cef7c964b5475d6053cc3e0894a5aa6f65ad1ed3ecb01c45aa96217945",
    member="covtype.data.gz",
)
FIXTURES = {  # the first 2,000 lines of the official file
    "covtype.head2000.data": "c19d8c8cfb51a0fcf0de3f8b008d45ea8509c978e40059c4fc624fa4bfb2290f"
}
TEST_OPTIONS = {"path": "tests/data/covtype.head2000.data.gz"}
COLUMNS = [f"c{i}" for i in range(55)]
TYPES = dict.fromkeys(COLUMNS, pa.int32())
FEATURES = [0, 1, 2, 5, 6, 7, 8, *range(10, 54)]
FEATURE_NAMES = (
    "elevation", "aspect", "slope", "horizontal_distance_to_roadways", "hillshade_9am", "hillshade_noon",
    "hillshade_3pm", *[f"wilderness_area_{i}" for i in range(1, 5)],
    *[f"soil_type_{i}" for i in range(1, 41)],
)  # fmt: skip
COST_CONVENTIONS = {"code": 1, "text": 2}
ARMS = ("far from water", "near water")


def raw_file(data_dir=None, path=None):
    """The raw file `load` reads: located, or downloaded and verified."""
    return locate(RAW, data_dir, path)


def load(data_dir=None, path=None, cost_convention: str = "code") -> UpliftData:
    """The HCL Covertype construction from covtype.data(.gz)."""
    if cost_convention not in COST_CONVENTIONS:
        raise DataError(
            f"cost_convention must be one of {', '.join(COST_CONVENTIONS)}, got {cost_convention!r}"
        )
    file = raw_file(data_dir, path)
    source = verify(RAW, file, known=FIXTURES)
    table = cached_table(
        "covertype", source["sha256"], lambda: read_csv(file, COLUMNS, header=False, types=TYPES)
    )
    require_rows(file, table)
    require_finite(file, table, COLUMNS, header=False)
    require_in(file, table, COLUMNS[54], range(1, 8), header=False)
    raw = np.column_stack([table[c].to_numpy() for c in COLUMNS])
    kept = raw[np.isin(raw[:, 54], (1, 2))]
    kept = kept[kept[:, 0] > np.median(kept[:, 0])]
    treatment = (kept[:, 3] < np.median(kept[:, 3])).astype(np.int64)
    value = (kept[:, 9] < np.median(kept[:, 9])).astype(np.float64)
    cost = (kept[:, 54] == COST_CONVENTIONS[cost_convention]).astype(np.float64)
    require_arms(file, treatment, ARMS, "hydrology distance against its median")
    return UpliftData(
        X=zscore(kept[:, FEATURES]),
        feature_names=FEATURE_NAMES,
        treatment=treatment,
        arm_names=ARMS,
        y=value[:, None],
        outcome_names=("value",),
        cost=cost,
        cost_names=(f"cost ({cost_convention} convention)",),
        meta={
            "name": "covertype",
            "source": source,
            "notes": f"HCL construction; cost convention {cost_convention!r}; features z-scored",
        },
    )
