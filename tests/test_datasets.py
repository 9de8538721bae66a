"""Dataset constructions against PAPERS.md, and a clear DataError for every kind of bad file."""

import gzip
import subprocess
import sys
import time

import numpy as np
import pytest

import datasets
from datasets import census1990, covertype, criteo, synthetic
from datasets._files import SHARED_DATA
from datasets.base import DataError

CRITEO_FIXTURE = SHARED_DATA / "samples" / "criteo-uplift-v2.1.rows1000.csv"
CENSUS_FIXTURE = SHARED_DATA / "samples" / "USCensus1990.head99.data.txt"


def test_hillstrom_embedded():
    data = datasets.load("hillstrom")
    summary = data.summary()
    assert summary["rows"] == 64000 and summary["features"] == 12
    assert [a["name"] for a in summary["arms"]] == ["No E-Mail", "Mens E-Mail", "Womens E-Mail"]
    assert all(21000 < a["rows"] < 21500 for a in summary["arms"])
    assert summary["outcomes"][0]["mean"] == pytest.approx(0.1468, abs=1e-4)
    assert summary["outcomes"][1]["mean"] == pytest.approx(0.0090, abs=1e-4)
    assert summary["source"]["checksum_ok"] is True


def covertype_layout(path, n=4000, seed=0):
    """A small file in the official 55-column layout."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 3000, (n, 55))
    raw[:, 10:54] = rng.integers(0, 2, (n, 44))
    raw[:, 54] = rng.integers(1, 8, n)
    with gzip.open(path, "wt") as f:
        np.savetxt(f, raw, fmt="%d", delimiter=",")
    return raw


def test_covertype_construction_on_official_layout(tmp_path):
    raw = covertype_layout(tmp_path / "layout.data.gz")
    data = covertype.load(path=tmp_path / "layout.data.gz")
    kept = raw[np.isin(raw[:, 54], (1, 2))]
    kept = kept[kept[:, 0] > np.median(kept[:, 0])]
    assert data.n_rows == len(kept) and data.X.shape[1] == 51
    assert data.treatment.tolist() == (kept[:, 3] < np.median(kept[:, 3])).astype(int).tolist()
    assert data.cost.tolist() == (kept[:, 54] == 1).astype(float).tolist()
    text = covertype.load(path=tmp_path / "layout.data.gz", cost_convention="text")
    assert text.cost.tolist() == (kept[:, 54] == 2).astype(float).tolist()
    assert data.summary()["source"]["checksum_ok"] is None  # not the official content


@pytest.mark.slow
def test_covertype_full_file_matches_papers_numbers():
    data = datasets.load("covertype")
    assert data.n_rows == 247424 and data.X.shape[1] == 51
    assert data.treatment.mean() == pytest.approx(0.489, abs=1e-3)
    t = data.treatment == 1
    assert data.y[t, 0].mean() - data.y[~t, 0].mean() == pytest.approx(0.0595, abs=1e-3)
    assert data.cost[t].mean() - data.cost[~t].mean() == pytest.approx(0.118, abs=1e-3)
    assert data.summary()["source"]["checksum_ok"] is True


def test_census_fixture_and_generated_layout():
    fixture = census1990.load(path=CENSUS_FIXTURE)
    assert fixture.X.shape[1] == 46 and fixture.summary()["source"]["checksum_ok"] is True
    assert np.all(fixture.cost <= -1.5)  # cost is -iFertil on rows with iFertil >= 1.5
    generated = census1990.load(generated_rows=5000, seed=1)
    assert "GENERATED" in generated.meta["notes"] and generated.meta["name"] == "census1990-generated"
    assert 0 < generated.n_rows < 5000 and generated.X.shape[1] == 46


def test_census_generated_file_with_official_columns_parses(tmp_path):
    frame = census1990.generate_layout(3000, seed=2)
    path = tmp_path / "USCensus1990.data.txt"
    rows = np.column_stack([frame[c] for c in census1990.COLUMNS])
    path.write_text(
        ",".join(census1990.COLUMNS) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n"
    )
    data = census1990.load(data_dir=tmp_path)
    keep = (frame["iFertil"] >= 1.5) & (frame["dAge"] < 5) & (frame["iCitizen"] == 0)
    assert data.n_rows == int(keep.sum())
    assert data.summary()["source"]["checksum_ok"] is None


def test_criteo_fixture():
    data = criteo.load(path=CRITEO_FIXTURE)
    assert data.n_rows == 1000 and data.X.shape[1] == 12
    assert data.outcome_names == ("visit", "conversion")
    assert data.summary()["source"]["checksum_ok"] is True
    assert data.meta["exposure"].shape == (1000,)
    visit_only = criteo.load(path=CRITEO_FIXTURE, outcomes=("visit",))
    assert visit_only.y.shape == (1000, 1)
    assert visit_only.subset(np.arange(10)).meta["exposure"].shape == (10,)


def test_synthetic_tau_shape_and_speed():
    start = time.perf_counter()
    data = synthetic.generate(1_000_000, n_arms=3, n_outcomes=2, with_cost=True, seed=4)
    assert time.perf_counter() - start < 10
    assert data.tau.shape == (1_000_000, 3, 2) and data.cost.shape == (1_000_000,)
    base = data.tau.mean(axis=(0, 1))
    assert base[0] > 0.05  # a large base effect of any treatment
    spread = data.tau[:, :, 0].std(axis=1).mean()
    assert 0 < spread < base[0]  # smaller arm-specific increments
    again = synthetic.generate(1000, seed=4)
    assert np.array_equal(again.y, synthetic.generate(1000, seed=4).y)


def test_missing_file_names_the_address(tmp_path):
    with pytest.raises(DataError, match=r"criteo-uplift-v2\.1\.csv not found .*go\.criteo\.net.*2716e1bf"):
        criteo.load(data_dir=tmp_path)


def test_truncated_gzip(tmp_path):
    good = (SHARED_DATA / "covtype.data.gz").read_bytes()
    (tmp_path / "covtype.data.gz").write_bytes(good[:200000])
    with pytest.raises(DataError, match="truncated or corrupt"):
        covertype.load(data_dir=tmp_path)


def test_official_name_with_other_content_is_rejected(tmp_path):
    covertype_layout(tmp_path / "covtype.data.gz")
    with pytest.raises(DataError, match="checksum mismatch"):
        covertype.load(data_dir=tmp_path)


def test_wrong_checksum(tmp_path):
    path = tmp_path / "criteo-uplift-v2.1.rows1000.csv"
    lines = CRITEO_FIXTURE.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(DataError, match="checksum mismatch"):
        criteo.load(path=path)


def test_wrong_columns(tmp_path):
    path = tmp_path / "criteo-uplift-v2.1.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(DataError, match="expected the official 16"):
        criteo.load(data_dir=tmp_path)


def test_cli_prints_one_line_and_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "data", "info", "criteo", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        "error: criteo-uplift-v2.1.csv not found"
    )
