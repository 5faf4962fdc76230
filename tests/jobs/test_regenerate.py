"""The regenerate job (`jobs/`): a failing transfer gate blocks publication inside the job."""

import pytest

from synth_assets.history import history
from synth_assets.publish.mlflow_registry import CHALLENGER, champion_version, version_by_alias
from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot
from tests.conftest import check_results, dataset_entry, run_regenerate, write_catalog, write_sqlite

pytestmark = pytest.mark.slow


def test_a_failed_transfer_gate_stops_the_chain_and_keeps_the_candidate_as_challenger(home, tmp_path, adult_sample):
    # Transfer above chance is ~0.7 for GaussianCopula here (conftest): 0.99 cannot be met.
    catalog = write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry(write_sqlite(tmp_path / "s.sqlite", adult_sample), acceptance={"transfer_ratio_min": 0.99})})
    result = run_regenerate(catalog, "adult")

    assert not result.success
    checks = check_results(result)
    assert not checks["transfer_transfer_ratio"].passed and checks["transfer_transfer_ratio"].metadata["threshold"].value == 0.99
    assert all(c.passed for name, c in checks.items() if name.startswith(("fidelity_", "privacy_", "coverage_")))
    materialized = {event.asset_key.path[-1] for event in result.get_asset_materialization_events()}
    assert "transfer_metrics" in materialized and not {"datasheet", "publication"} & materialized  # the report exists; its check blocks the rest
    root = DataRoot(str(home))
    assert read_champion(root, "adult") is None and not root.path("published", "adult", "versions").exists()
    tracking_uri = f"sqlite:///{home / 'mlflow' / 'mlflow.db'}"
    assert champion_version(tracking_uri, "adult") is None
    (entry,) = history(root, "adult")
    assert entry.status == "challenger" and str(version_by_alias(tracking_uri, "adult", CHALLENGER).version) == entry.model_version
    assert [g.check_name for g in entry.gates if not g.passed] == ["transfer_transfer_ratio"]
