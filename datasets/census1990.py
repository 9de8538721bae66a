"""UCI US Census 1990 in the HCL construction (docs/datasets.md, docs/reproduction-hcl.md).

Rows with iFertil >= 1.5 (one or more children; the code's rule), dAge < 5 and iCitizen == 0: 225,814 of
the official 2,458,285. Treatment: dHour89 above its median. Value: dIncome1. Cost: -iFertil. Features:
the 46 columns of FEATURES below, z-scored.

The full file is not shipped; the official address serves a .zip from which USCensus1990.data.txt is taken
(no checksum is published for it: the download is checked against its announced size and the archive's
CRC-32). Every value must be an integer, none missing: a NaN would otherwise become 0 after z-scoring.

`generated_rows=N` builds N rows in the official 69-column layout from the column values of the official
99-row format fixture shipped in datasets/files/, with a planted effect, for exercising the pipeline only:
its results are labelled "GENERATED" and are never results on the Census."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from datasets._checks import require_arms, require_finite, require_rows
from datasets._files import RawFile, cached_table, locate, read_csv, verify
from datasets.base import DataError, UpliftData, zscore

DESCRIPTION = "UCI US Census 1990, HCL construction: 225,814 rows, 46 features (full file not shipped)"
ROWS = 225_814  # the rows `load` gives from the official file (the cost estimate uses it)
RAW = RawFile(
    name="USCensus1990.data.txt",
    url="https://archive.ics.uci.edu/static/public/116/us+census+data+1990.zip",
    member="USCensus1990.data.txt",
)
FIXTURES = {
    "USCensus1990.head99.data.txt": "01a8cfb711d6daabf71b9ef136cf3cdc84e60a7b0f70971770e18e6d0117f022"
}
FIXTURE = Path(__file__).with_name("files") / "USCensus1990.head99.data.txt"  # official 99-row fixture
TEST_OPTIONS = {"path": "datasets/files/USCensus1990.head99.data.txt"}
ARMS = ("dHour89 <= median", "dHour89 > median")
COLUMNS = (  # noqa: SIM905
    "caseid dAge dAncstry1 dAncstry2 iAvail iCitizen iClass dDepart iDisabl1 iDisabl2 iEnglish iFeb55 "
    "iFertil dHispanic dHour89 dHours iImmigr dIncome1 dIncome2 dIncome3 dIncome4 dIncome5 dIncome6 "
    "dIncome7 dIncome8 dIndustry iKorean iLang1 iLooking iMarital iMay75880 iMeans iMilitary iMobility "
    "iMobillim dOccup iOthrserv iPerscare dPOB dPoverty dPwgt1 iRagechld dRearning iRelat1 iRelat2 "
    "iRemplpar iRiders iRlabor iRownchld dRpincome iRPOB iRrelchld iRspouse iRvetserv iSchool iSept80 "
    "iSex iSubfam1 iSubfam2 iTmpabsnt dTravtime iVietnam dWeek89 iWork89 iWorklwk iWWII iYearsch iYearwrk "
    "dYrsserv"
).split()
TYPES = dict.fromkeys(COLUMNS, pa.int64())
FEATURES = (  # noqa: SIM905
    "iAvail iCitizen iClass dDepart iDisabl1 iDisabl2 iEnglish iFeb55 dIndustry iKorean iLang1 iLooking "
    "iMay75880 iMeans iMilitary iMobility iMobillim dOccup iOthrserv iPerscare dPOB dPoverty dPwgt1 "
    "dRearning iRelat1 iRelat2 iRemplpar iRiders iRlabor iRPOB iRvetserv iSchool iSept80 iSex iSubfam1 "
    "iSubfam2 iTmpabsnt dTravtime iVietnam dWeek89 iWork89 iWorklwk iWWII iYearsch iYearwrk dYrsserv"
).split()


def construct(frame: dict[str, np.ndarray], file) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X, treatment, value, cost) of the HCL construction from the official columns of `file`."""
    keep = (frame["iFertil"] >= 1.5) & (frame["dAge"] < 5) & (frame["iCitizen"] == 0)
    if not keep.any():
        raise DataError(f"{file}: no row passes the HCL filter (iFertil >= 1.5, dAge < 5, iCitizen == 0)")
    hours = frame["dHour89"][keep]
    X = zscore(np.column_stack([frame[c][keep] for c in FEATURES]))
    treatment = (hours > np.median(hours)).astype(np.int64)
    require_arms(file, treatment, ARMS, "dHour89 against its median after the HCL filter")
    return (
        X,
        treatment,
        frame["dIncome1"][keep].astype(np.float64),
        -frame["iFertil"][keep].astype(np.float64),
    )


def raw_file(data_dir=None, path=None, generated_rows: int = 0) -> Path:
    """The raw file `load` reads: the shipped fixture for generated rows, else the official file located,
    or downloaded and verified."""
    return FIXTURE if generated_rows else locate(RAW, data_dir, path)


def generate_layout(n_rows: int, seed: int = 0) -> dict[str, np.ndarray]:
    """n_rows in the official layout: each column drawn from the fixture's values, plus a planted
    treatment effect on income and fertility so that a cost curve exists."""
    fixture = read_csv(FIXTURE, COLUMNS, types=TYPES)
    rng = np.random.default_rng(seed)
    frame = {c: rng.choice(fixture[c].to_numpy(), n_rows) for c in COLUMNS}
    frame["caseid"] = np.arange(n_rows) + 10000
    frame["dAge"] = rng.integers(0, 8, n_rows)
    frame["iCitizen"] = np.where(rng.random(n_rows) < 0.8, 0, frame["iCitizen"])
    frame["iFertil"] = rng.integers(0, 8, n_rows)
    hours = frame["dHour89"]
    treated = hours > np.median(hours)
    school = (frame["iSchool"] - frame["iSchool"].mean()) / (frame["iSchool"].std() + 1e-9)
    frame["dIncome1"] = frame["dIncome1"] + (treated & (rng.random(n_rows) < 0.3 + 0.2 * np.tanh(school)))
    frame["iFertil"] = frame["iFertil"] - (treated & (frame["iFertil"] >= 3) & (rng.random(n_rows) < 0.2))
    return frame


def load(data_dir=None, path=None, generated_rows: int = 0, seed: int = 0) -> UpliftData:
    """The HCL construction from the official file, or, with generated_rows > 0, from generated rows."""
    if generated_rows:
        frame, source = generate_layout(generated_rows, seed), {"file": "GENERATED", "checksum_ok": None}
        notes = f"GENERATED in the official layout ({generated_rows} rows, seed {seed}): not Census data"
    else:
        file = raw_file(data_dir, path)
        source = verify(RAW, file, known=FIXTURES)
        table = cached_table("census1990", source["sha256"], lambda: read_csv(file, COLUMNS, types=TYPES))
        require_rows(file, table)
        require_finite(file, table, COLUMNS)
        frame = {c: table[c].to_numpy() for c in COLUMNS}
        notes = "HCL construction; features z-scored; no published checksum for the full file"
    X, treatment, value, cost = construct(frame, source["file"])
    return UpliftData(
        X=X,
        feature_names=tuple(FEATURES),
        treatment=treatment,
        arm_names=ARMS,
        y=value[:, None],
        outcome_names=("dIncome1",),
        cost=cost,
        cost_names=("-iFertil",),
        meta={
            "name": "census1990-generated" if generated_rows else "census1990",
            "source": source,
            "notes": notes,
        },
    )
