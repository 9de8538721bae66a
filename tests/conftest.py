"""Every test gets its own cache folder and never downloads."""

import pytest


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("UPLIFT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("UPLIFT_DOWNLOAD", "0")
    monkeypatch.delenv("UPLIFT_DATA_DIR", raising=False)
