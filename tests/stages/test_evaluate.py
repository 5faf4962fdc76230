"""`synth-assets evaluate`: an external file held to a dataset's gates, nothing published."""

import json

import pytest

from synth_assets import cli
from synth_assets.catalog import load_catalog
from synth_assets.manifests import manifest_path
from synth_assets.stages.snapshot import take_snapshot
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_catalog, write_sqlite


@pytest.fixture
def snapshot(home, tmp_path, monkeypatch, adult_sample):
    """A stored snapshot of the test dataset, as the regenerate job leaves it, without fitting."""
    url = write_sqlite(tmp_path / "adult.sqlite", adult_sample)
    catalog = write_catalog(tmp_path / "catalog.yaml", {"adult": dataset_entry(url)})
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(catalog))
    root = DataRoot(str(home))
    manifest = take_snapshot("adult", load_catalog(catalog).dataset("adult"), root)
    root.write_text(manifest_path(root, ["adult", "real_snapshot"]), manifest.model_dump_json())
    return root, manifest


def test_a_copy_of_train_fails_and_nothing_is_published(snapshot, tmp_path, capsys):
    root, manifest = snapshot
    train = root.read_frame(root.resolve(manifest.train_path))
    path = tmp_path / "vendor.parquet"
    train.iloc[:1200].to_parquet(path)
    assert cli.main(["evaluate", "adult", "--synthetic", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 1200 and report["snapshot_hash"] == manifest.snapshot_hash and not report["passed"]
    gates = {f"{g['section']}_{g['metric']}": g for g in report["gates"]}
    assert not gates["privacy_exact_copy_excess"]["passed"] and gates["privacy_exact_copy_excess"]["value"] > 0.9
    assert "transfer_transfer_ratio" in gates  # transfer gates are judged too
    assert not root.path("published").exists()


def test_a_file_without_the_modelled_columns_is_one_line(snapshot, tmp_path, capsys):
    path = tmp_path / "vendor.csv"
    path.write_text("age,sex\n30,Male\n")
    assert cli.main(["evaluate", "adult", "--synthetic", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "lacks the modelled columns" in err and "income" in err


def test_evaluate_before_any_snapshot_says_what_to_run(home, tmp_path, capsys):
    path = tmp_path / "vendor.csv"
    path.write_text("x\n1\n")
    assert cli.main(["evaluate", "adult", "--synthetic", str(path)]) == 2
    assert "run `synth-assets refresh adult` first" in capsys.readouterr().err
