"""The data root is a URL: the whole chain runs on a `file://` root and on an in-memory filesystem."""

import uuid

import pytest

from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, isolate_home, run_regenerate, write_catalog, write_sqlite

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("scheme", ["file", "memory"])
def test_the_chain_runs_on_a_data_root_url(scheme, tmp_path, adult_sample, monkeypatch):
    url = (tmp_path / "root").as_uri() if scheme == "file" else f"memory://synth-assets-{uuid.uuid4().hex[:8]}"
    isolate_home(monkeypatch, url)
    # A URL home holds no embedded MLflow store: the tracking URI says where it is (artifacts under the cwd).
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.chdir(tmp_path)
    catalog = write_catalog(tmp_path / "catalog.yaml", {"adult": dataset_entry(write_sqlite(tmp_path / "source.sqlite", adult_sample))})

    result = run_regenerate(catalog, "adult")

    assert result.success
    root = DataRoot(url)
    champion = read_champion(root, "adult")
    published = root.resolve(champion.published_path)
    assert published.protocol == ("file" if scheme == "file" else "memory")
    assert root.read_frame(published, expected_hash=champion.content_hash).shape[0] == 1200
    assert {p.name for p in published.parent.iterdir()} >= {"synthetic.parquet", "datasheet.md", "validation.json", "transfer.json"}
    if scheme == "file":
        assert (tmp_path / "root" / "published" / "adult").is_dir()
    else:
        assert not (tmp_path / "root").exists()
