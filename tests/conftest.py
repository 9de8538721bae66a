"""Every test gets its own cache folder, never downloads and never reads ../shared/data (so the suite passes
the same in a clone without it). A test marked `real_data("NAME")` needs the
full raw file of dataset NAME where a user keeps it ($UPLIFT_DATA_DIR, the user cache, ../shared/data): it
uses those folders and is skipped, with the reason, where the file is absent."""

import pytest

import datasets
from datasets import _files
from datasets._files import find


def pytest_configure(config):
    config.addinivalue_line("markers", "real_data(name): needs the full raw file of dataset `name`")


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("real_data")
    if marker is not None:
        raw = datasets.dataset_module(marker.args[0]).RAW
        if find(raw) is None:
            where = "put it in $UPLIFT_DATA_DIR or ../shared/data"
            pytest.skip(f"needs the full {raw.name} ({raw.url}): {where}")


@pytest.fixture(autouse=True)
def isolated_cache(request, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("UPLIFT_DOWNLOAD", "0")
    if request.node.get_closest_marker("real_data") is None:
        monkeypatch.setenv("UPLIFT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        monkeypatch.delenv("UPLIFT_DATA_DIR", raising=False)
        monkeypatch.setattr(_files, "SHARED_DATA", tmp_path_factory.mktemp("no-shared-data") / "absent")


@pytest.fixture(autouse=True)
def no_reference_runs(tmp_path_factory, monkeypatch):
    """`report` adds the committed reference runs (results/*) beside a user's run: tests see none unless
    they point REFERENCE_DIR at their own."""
    import benchmarks.report

    monkeypatch.setattr(benchmarks.report, "REFERENCE_DIR", tmp_path_factory.mktemp("no-reference-runs"))
