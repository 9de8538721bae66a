"""Methods from outside the checkout: a plug-in file or folder (--plugins, UPLIFT_BENCH_PLUGINS) and an
installed package's entry point (group uplift_bench.methods) run like the checkout's methods, are refused by
the same rules with one line naming their file, and `list` says where each method came from."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from benchmarks import cell as cell_module
from benchmarks.cli import main

SUITE = """
kind = "effect"
seeds = 1

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 1200, n_arms = 1, n_outcomes = 1, n_features = 4, seed = 3 }

[[methods]]
name = "random"
"""
METHOD = '''
"""A ridge T-learner kept outside the checkout."""

import numpy as np

from methods import UpliftMethod


class {cls}(UpliftMethod):
    name = "{name}"
    defaults = {{"alpha": 1.0}}

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed):
        from sklearn.linear_model import Ridge

        self.models_ = [
            Ridge(alpha=self.params_["alpha"]).fit(X[treatment == k], y[treatment == k])
            for k in range(self.n_arms_ + 1)
        ]

    def _predict(self, X):
        out = np.stack([m.predict(X).reshape(len(X), -1) for m in self.models_], axis=1)
        return out[:, 1:] - out[:, :1]
'''
BREAKS_CONTRACT = (
    METHOD.format(cls="Greedy", name="greedy")
    + "\n    def fit(self, X, *args, **kwargs):\n        return self\n"
)


@pytest.fixture
def suite_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SUITE)
    return path


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throw-away installed package `mypkg` (as pip lays it out) whose entry point names one method."""
    site = tmp_path / "site"
    (site / "mypkg").mkdir(parents=True)
    (site / "mypkg" / "__init__.py").write_text("")
    (site / "mypkg" / "xl.py").write_text(METHOD.format(cls="XLearner", name="xl-mine"))
    info = site / "mypkg-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mypkg\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[uplift_bench.methods]\nxl = mypkg.xl:XLearner\n")
    monkeypatch.syspath_prepend(str(site))
    cell_module.registry.cache_clear()
    yield site
    cell_module.registry.cache_clear()


def run_args(suite_file, out, *extra) -> list[str]:
    return ["run", "--suite", str(suite_file), "--out", str(out), *extra]


def test_an_installed_packages_entry_point_method_runs_and_is_listed(package, suite_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(run_args(suite_file, out, "--methods", "xl-mine")) == 0
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["method"]) == {"xl-mine"} and (results["status"] == "ok").all()
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)["methods"]}
    assert listed["xl-mine"]["source"] == "entry point xl = mypkg.xl:XLearner of mypkg"
    assert listed["tarnet"]["source"] == "methods/tarnet.py"


def test_an_import_path_given_to_methods_says_which_name_to_pass(package, suite_file, tmp_path, capsys):
    assert main(run_args(suite_file, tmp_path / "out", "--methods", "mypkg.xl:XLearner")) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "it is method 'xl-mine': pass --methods xl-mine" in err
    assert main(run_args(suite_file, tmp_path / "out", "--methods", "other.mod:Model")) == 2
    assert (
        "--plugins FILE_OR_FOLDER or an entry point in the group uplift_bench.methods"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # 2: 20 s, spawned workers
def test_a_plugin_file_runs_here_and_in_worker_processes(jobs, suite_file, tmp_path):
    plugin = tmp_path / "elsewhere" / "ridge_plugin.py"
    plugin.parent.mkdir()
    plugin.write_text(METHOD.format(cls="RidgePlugin", name="ridge-plugin"))
    out = tmp_path / "out"
    argv = run_args(
        suite_file, out, "--plugins", str(plugin), "--methods", "ridge-plugin,random", "--jobs", "2"
    )
    assert main(argv) == 0
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["method"]) == {"ridge-plugin", "random"} and (results["status"] == "ok").all()


def test_a_plugin_folder_from_the_variable_is_refused_by_the_contract_with_one_line(
    suite_file, tmp_path, monkeypatch, capsys
):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "greedy.py").write_text(BREAKS_CONTRACT)
    (folder / "broken.py").write_text("import no_such_module\n")
    (folder / "ridge_plugin.py").write_text(METHOD.format(cls="RidgePlugin", name="ridge-plugin"))
    monkeypatch.setenv("UPLIFT_BENCH_PLUGINS", f"{tmp_path / 'absent'}")
    assert main(["list"]) == 2
    assert "UPLIFT_BENCH_PLUGINS" in capsys.readouterr().err
    monkeypatch.setenv("UPLIFT_BENCH_PLUGINS", str(folder))
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert f"refused {folder / 'greedy.py'}: Greedy overrides fit" in text
    assert f"failed to import {folder / 'broken.py'}: ModuleNotFoundError" in text
    assert str(folder / "ridge_plugin.py") in next(
        line for line in text.splitlines() if "ridge-plugin" in line
    )
    assert main(run_args(suite_file, tmp_path / "out", "--methods", "greedy")) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{folder / 'greedy.py'}: Greedy overrides fit" in err


def test_a_plugin_that_is_not_a_python_file_is_refused(suite_file, tmp_path, capsys):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("x")
    assert main(run_args(suite_file, tmp_path / "out", "--plugins", str(text_file))) == 2
    assert f"--plugins {text_file}: no such plug-in .py file or folder" in capsys.readouterr().err


def test_plugin_modules_are_their_own(tmp_path):
    from methods.core.registry import discover

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "same_stem.py").write_text(METHOD.format(cls="Same", name=f"same-{name}"))
    registry = discover(plugins=(str(tmp_path / "one"), str(tmp_path / "two")))
    assert {"same-one", "same-two"} <= set(registry.methods)
    assert registry.origins["same-two"] == str(tmp_path / "two" / "same_stem.py")
