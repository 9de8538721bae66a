"""Dataset constructions against the papers, and one clear DataError (exit 2 in the CLI) for every kind of
bad file: missing, unreadable, truncated, foreign, changed in place, or holding values outside their domain.
The samples are shipped in tests/data and datasets/files; the full files only serve tests marked slow."""

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import datasets
from benchmarks.cli import main
from datasets import _files, census1990, covertype, criteo, synthetic
from datasets.base import DataError

DATA = Path(__file__).with_name("data")
CRITEO_SAMPLE = DATA / "criteo-uplift-v2.1.rows1000.csv.gz"
COVERTYPE_SAMPLE = DATA / "covtype.head2000.data.gz"
CENSUS_SAMPLE = census1990.FIXTURE


def criteo_lines() -> list[str]:
    return gzip.decompress(CRITEO_SAMPLE.read_bytes()).decode().splitlines()


def criteo_copy(path: Path) -> Path:
    """A byte-exact copy of the CRITEO sample (CRLF line ends, as the official file)."""
    path.write_bytes(gzip.decompress(CRITEO_SAMPLE.read_bytes()))
    return path


def census_lines() -> list[str]:
    return CENSUS_SAMPLE.read_text().splitlines()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def set_field(lines: list[str], line: int, column: str, value: str) -> list[str]:
    """`lines` with `column` of (1-based) `line` set to `value`."""
    index = lines[0].split(",").index(column)
    fields = lines[line - 1].split(",")
    fields[index] = value
    return [*lines[: line - 1], ",".join(fields), *lines[line:]]


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


def test_covertype_sample_of_the_official_file():
    data = covertype.load(path=COVERTYPE_SAMPLE)
    assert data.n_rows == 657 and data.X.shape[1] == 51
    assert data.meta["source"]["checksum_ok"] is True  # the first 2,000 lines of the official file


@pytest.mark.slow
@pytest.mark.real_data("covertype")
def test_covertype_full_file_matches_papers_numbers():
    data = datasets.load("covertype")
    assert data.n_rows == 247424 and data.X.shape[1] == 51
    assert data.treatment.mean() == pytest.approx(0.489, abs=1e-3)
    t = data.treatment == 1
    assert data.y[t, 0].mean() - data.y[~t, 0].mean() == pytest.approx(0.0595, abs=1e-3)
    assert data.cost[t].mean() - data.cost[~t].mean() == pytest.approx(0.118, abs=1e-3)
    assert data.summary()["source"]["checksum_ok"] is True


def test_census_fixture_and_generated_layout():
    fixture = census1990.load(path=CENSUS_SAMPLE)
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
    data = criteo.load(path=CRITEO_SAMPLE)
    assert data.n_rows == 1000 and data.X.shape[1] == 12
    assert data.outcome_names == ("visit", "conversion")
    assert data.summary()["source"]["checksum_ok"] is True
    assert data.meta["exposure"].shape == (1000,)
    visit_only = criteo.load(path=CRITEO_SAMPLE, outcomes=("visit",))
    assert visit_only.y.shape == (1000, 1)
    assert visit_only.subset(np.arange(10)).meta["exposure"].shape == (10,)


def test_synthetic_tau_shape():
    data = synthetic.generate(200_000, n_arms=3, n_outcomes=2, with_cost=True, seed=4)
    assert data.tau.shape == (200_000, 3, 2) and data.cost.shape == (200_000,)
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
    good = COVERTYPE_SAMPLE.read_bytes()
    (tmp_path / "covtype.data.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="truncated or corrupt"):
        covertype.load(data_dir=tmp_path)


def test_official_name_with_other_content_is_rejected(tmp_path):
    covertype_layout(tmp_path / "covtype.data.gz")
    with pytest.raises(DataError, match="checksum mismatch"):
        covertype.load(data_dir=tmp_path)


def test_wrong_checksum(tmp_path):
    path = write_lines(tmp_path / "criteo-uplift-v2.1.rows1000.csv", criteo_lines()[:-1])
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


def one_line_error(capsys, *argv) -> str:
    """The CLI's stderr for `argv`, asserting exit status 2 and a single line."""
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    "line, column, value, message",
    [
        (4, "visit", "7", r"column visit, line 4: 7 is outside \{0, 1\}"),
        (9, "conversion", "-3", r"column conversion, line 9: -3 is outside \{0, 1\}"),
        (3, "treatment", "2", r"column treatment, line 3: 2 is outside \{0, 1\}"),
        (5, "f3", "nan", r"column f3, line 5: a missing value \(empty or NaN\) where a finite number"),
        (6, "f0", "inf", r"column f0, line 6: inf where a finite number"),
        (7, "exposure", "", r"column exposure, line 7: a missing value"),
        (8, "f5", "abc", r"column f5, line 8: 'abc' is not a number"),
    ],
)
def test_criteo_values_outside_their_domain_are_refused(tmp_path, line, column, value, message):
    path = write_lines(tmp_path / "criteo-uplift-v2.1.csv", set_field(criteo_lines(), line, column, value))
    with pytest.raises(DataError, match=rf"criteo-uplift-v2\.1\.csv: {message}"):
        criteo.load(path=path)


def test_data_info_refuses_a_nan_criteo_feature_in_one_line(tmp_path, capsys):
    write_lines(tmp_path / "criteo-uplift-v2.1.csv", set_field(criteo_lines(), 12, "f7", "NaN"))
    err = one_line_error(capsys, "data", "info", "criteo", "--data-dir", str(tmp_path))
    assert "criteo-uplift-v2.1.csv: column f7, line 12: a missing value" in err


def test_criteo_with_one_arm_only_is_refused(tmp_path):
    lines = criteo_lines()
    treated = [lines[0], *(line for line in lines[1:] if line.split(",")[12] == "1")]
    path = write_lines(tmp_path / "criteo-uplift-v2.1.csv", treated)
    with pytest.raises(DataError, match=r"no row in arm 'control' \(column treatment\)"):
        criteo.load(path=path)


def test_data_info_on_a_header_only_criteo_file(tmp_path, capsys):
    write_lines(tmp_path / "criteo-uplift-v2.1.csv", criteo_lines()[:1])
    err = one_line_error(capsys, "data", "info", "criteo", "--data-dir", str(tmp_path))
    assert "criteo-uplift-v2.1.csv holds no data rows" in err


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("iSchool", "", r"column iSchool, line 5: a missing value \(empty or NaN\)"),  # a feature
        ("dHour89", "NaN", r"column dHour89, line 5: a missing value"),  # defines the treatment
        ("dAge", "abc", r"column dAge, line 5: 'abc' is not an integer"),
    ],
)
def test_census_missing_or_text_values_are_refused(tmp_path, capsys, column, value, message):
    write_lines(tmp_path / "USCensus1990.data.txt", set_field(census_lines(), 5, column, value))
    err = one_line_error(capsys, "data", "info", "census1990", "--data-dir", str(tmp_path))
    assert re.search(message, err), err


def test_covertype_text_and_cover_type_outside_1_to_7_are_refused(tmp_path):
    lines = gzip.decompress(COVERTYPE_SAMPLE.read_bytes()).decode().splitlines()
    path = tmp_path / "layout.data"  # not an official name: no checksum applies
    write_lines(path, [*lines[:9], lines[9].rsplit(",", 1)[0] + ",9", *lines[10:]])
    with pytest.raises(DataError, match=r"column c54, line 10: 9 is outside \{1, 2, 3, 4, 5, 6, 7\}"):
        covertype.load(path=path)
    write_lines(path, [*lines[:2], "x" + lines[2], *lines[3:]])
    with pytest.raises(DataError, match=r"column c0, line 3: 'x\d+' is not an integer"):
        covertype.load(path=path)


def test_unreadable_file_gives_one_line(tmp_path, monkeypatch, capsys):
    criteo_copy(tmp_path / "criteo-uplift-v2.1.csv")

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(_files, "open", refuse, raising=False)  # tests run as root: chmod would not bite
    err = one_line_error(capsys, "data", "info", "criteo", "--data-dir", str(tmp_path))
    assert "criteo-uplift-v2.1.csv: cannot read it (Permission denied)" in err


def test_a_folder_in_place_of_the_file(tmp_path, capsys):
    (tmp_path / "criteo-uplift-v2.1.csv").mkdir()
    err = one_line_error(capsys, "data", "info", "criteo", "--data-dir", str(tmp_path))
    assert "criteo-uplift-v2.1.csv not found" in err
    err = one_line_error(
        capsys, "data", "verify", "criteo", "--path", str(tmp_path / "criteo-uplift-v2.1.csv")
    )
    assert "is a folder, not a data file" in err


def test_an_in_place_change_keeping_size_and_mtime_is_caught(tmp_path, capsys):
    path = criteo_copy(tmp_path / "criteo-uplift-v2.1.rows1000.csv")
    assert criteo.load(path=path).meta["source"]["checksum_ok"] is True  # the checksum is recorded
    assert main(["data", "verify", "criteo", "--path", str(path)]) == 0
    assert "matches the published sha256" in capsys.readouterr().out
    stat = path.stat()
    content = path.read_bytes()
    position = content.index(b"\n") + 1  # first digit of the first row's f0
    changed = content[:position] + (b"2" if content[position : position + 1] != b"2" else b"3")
    path.write_bytes(changed + content[position + 1 :])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    with pytest.raises(DataError, match="checksum mismatch"):
        criteo.load(path=path)
    err = one_line_error(capsys, "data", "verify", "criteo", "--path", str(path))
    assert "checksum mismatch" in err


def test_data_verify_rehashes_even_when_the_record_says_it_matched(tmp_path, monkeypatch, capsys):
    path = criteo_copy(tmp_path / "criteo-uplift-v2.1.rows1000.csv")
    criteo.load(path=path)
    monkeypatch.setattr(_files, "_memo_key", lambda path, decompress: "same key whatever the file")
    criteo.load(path=path)  # the record is consulted...
    path.write_bytes(path.read_bytes().replace(b"\n1", b"\n2", 1))
    err = one_line_error(capsys, "data", "verify", "criteo", "--path", str(path))  # ...but not by verify
    assert "checksum mismatch" in err
