"""A SQLite source file that does not exist is an error naming the path; nothing is created.

(SQLite itself would create an empty file on connect, and the error would then be "no such table".)
"""

import dagster as dg
import pytest

from synth_assets import cli
from synth_assets.catalog import load_catalog
from synth_assets.definitions import build_definitions
from synth_assets.resources import DataRootResource
from synth_assets.sources import SourceError
from synth_assets.stages.snapshot import take_snapshot
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_catalog


@pytest.fixture
def missing(tmp_path, home, monkeypatch):
    path = tmp_path / "not-yet" / "survey.sqlite"
    catalog = write_catalog(tmp_path / "catalog.yaml", {"survey": dataset_entry(f"sqlite:///{path}")})
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(catalog))
    yield path, load_catalog(catalog)
    assert not path.parent.exists()  # neither the file nor its folder was created


@pytest.mark.parametrize("command", ["check", "drift"])
def test_cli_names_the_missing_file(missing, command, capsys):
    path, _ = missing
    assert cli.main([command, "survey"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("synth-assets: error: dataset 'survey': the SQLite source file") and str(path) in error
    assert len(error.strip().splitlines()) == 1


def test_snapshot_and_sensor_name_the_missing_file(missing, home):
    path, catalog = missing
    with pytest.raises(SourceError, match=f"the SQLite source file {path} does not exist"):
        take_snapshot("survey", catalog.dataset("survey"), DataRoot(str(home)))
    sensor = build_definitions(catalog).resolve_sensor_def("drift_survey")
    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), resources={"data_root": DataRootResource(url=str(home))})
    with pytest.raises(SourceError, match=f"the SQLite source file {path} does not exist"):
        sensor(context)
