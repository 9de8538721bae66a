"""Hillstrom MineThatData e-mail trial: 64,000 customers randomised to no e-mail, a men's or a women's
e-mail; outcomes visit, conversion and spend over two weeks. Shipped in the repository (datasets/files/),
used unless another copy is found first.

Features (12): recency, history_segment (ordinal 1-7), history, mens, womens, newbie, zip_code one-hot
(Surburban, Rural, Urban), channel one-hot (Phone, Web, Multichannel). Propensity 1/3 per arm (the trial's
design).

Checked on load: the content's sha256, segment, zip_code and channel from their known values, visit,
conversion, mens, womens and newbie 0 or 1, numbers finite, all three arms present. A download is saved as
hillstrom.csv, the name whose checksum is checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from datasets._checks import require_arms, require_finite, require_in, require_rows
from datasets._files import RawFile, find, locate, read_csv, verify
from datasets.base import DataError, UpliftData

DESCRIPTION = "Hillstrom e-mail trial (embedded): 64,000 rows, 3 arms, visit/conversion/spend"
RAW = RawFile(
    name="hillstrom.csv",
    url="http://www.minethatdata.com/Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv",
    content_sha256="0e5893329d8b93cefecc571777672028290ab69865718020c78c7284f291aece",
    aliases=("Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv",),
)
EMBEDDED = Path(__file__).with_name("files") / "hillstrom.csv.gz"
COLUMNS = [
    "recency", "history_segment", "history", "mens", "womens", "zip_code",
    "newbie", "channel", "segment", "visit", "conversion", "spend",
]  # fmt: skip
ARMS = ("No E-Mail", "Mens E-Mail", "Womens E-Mail")
OUTCOMES = ("visit", "conversion", "spend")
ZIP_CODES = ("Surburban", "Rural", "Urban")
CHANNELS = ("Phone", "Web", "Multichannel")
BINARY = ("mens", "womens", "newbie", "visit", "conversion")
NUMBERS = ("recency", "history", "spend")


def raw_file(data_dir=None, path=None) -> Path:
    """The raw file `load` reads: `path`, else a copy in the search folders, else the embedded copy, else
    a download (verified)."""
    if path is None and find(RAW, data_dir) is None and EMBEDDED.is_file():
        path = EMBEDDED
    return locate(RAW, data_dir, path)


def load(data_dir=None, path=None, outcomes=OUTCOMES) -> UpliftData:
    """The full trial; `outcomes` picks and orders the outcome columns."""
    unknown = set(outcomes) - set(OUTCOMES)
    if unknown:
        valid = ", ".join(OUTCOMES)
        raise DataError(f"hillstrom has no outcome {', '.join(sorted(unknown))}; valid: {valid}")
    file = raw_file(data_dir, path)
    source = verify(RAW, file)
    table = read_csv(file, COLUMNS)
    require_rows(file, table)
    require_finite(file, table, NUMBERS)
    for column, allowed in (("segment", ARMS), ("zip_code", ZIP_CODES), ("channel", CHANNELS)):
        require_in(file, table, column, allowed)
    for column in BINARY:
        require_in(file, table, column, (0, 1))
    segment = table["segment"].to_numpy(zero_copy_only=False)
    treatment = np.select([segment == arm for arm in ARMS], range(len(ARMS)))
    require_arms(file, treatment, ARMS, "column segment")
    history_segment = pc.utf8_slice_codeunits(table["history_segment"], 0, 1).to_numpy(zero_copy_only=False)
    zip_code = table["zip_code"].to_numpy(zero_copy_only=False)
    channel = table["channel"].to_numpy(zero_copy_only=False)
    columns = {
        "recency": table["recency"].to_numpy(),
        "history_segment": history_segment.astype(np.float64),
        "history": table["history"].to_numpy(),
        "mens": table["mens"].to_numpy(),
        "womens": table["womens"].to_numpy(),
        "newbie": table["newbie"].to_numpy(),
        **{f"zip_{z.lower()}": zip_code == z for z in ZIP_CODES},
        **{f"channel_{c.lower()}": channel == c for c in CHANNELS},
    }
    X = np.column_stack([np.asarray(v, dtype=np.float32) for v in columns.values()])
    y = np.column_stack([table[o].to_numpy().astype(np.float64) for o in outcomes])
    return UpliftData(
        X=X,
        feature_names=tuple(columns),
        treatment=treatment.astype(np.int64),
        arm_names=ARMS,
        y=y,
        outcome_names=tuple(outcomes),
        propensity=np.full((len(X), len(ARMS)), 1 / len(ARMS)),
        meta={"name": "hillstrom", "source": source, "notes": "randomised trial, equal thirds"},
    )
