"""The leak zoo on DoctorAUS (a second real table) through both doors a leak can come in by.

- `synth-assets evaluate`: each case as a supplier's file, held to the shipped gates;
- the regenerate job: each case replayed as if a generator had produced it (`replay/rows`), so the
  blocking asset checks, not only the metrics, must keep it out of the published zone.

The catalog is the bundled `doctoraus.yaml` as shipped (its gates, quasi-identifiers and
secrets); only the source points at a scratch copy and the generator is the replay control.
Leaks must fail a privacy gate in both; the controls (honest GaussianCopula output, the real
holdout) must pass every privacy gate. Adult's zoo runs on the metrics in
tests/metrics/test_leak_zoo.py; benchmarks/privacy_zoo.py repeats both tables over seeds.
"""

import json
import re

import pytest
import yaml

from synth_assets import cli
from synth_assets.catalog import load_catalog
from synth_assets.engines.isolation import fit_model
from synth_assets.manifests import manifest_path
from synth_assets.settings import BUNDLED_DIR
from synth_assets.sources.bundled import load_bundled
from synth_assets.stages.candidate import load_splits
from synth_assets.stages.publish import read_champion
from synth_assets.stages.snapshot import take_snapshot
from synth_assets.storage import DataRoot
from tests import leak_zoo
from tests.conftest import scenario_home, write_sqlite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    with scenario_home(tmp_path_factory, "zoo") as (folder, home, monkeypatch):
        shipped = yaml.safe_load((BUNDLED_DIR / "doctoraus.yaml").read_text())
        entry = shipped["datasets"]["doctoraus"]
        entry["source"] = {"url": write_sqlite(folder / "doctoraus.sqlite", load_bundled("doctoraus"), table="doctoraus"), "table": "doctoraus"}

        def catalog_for(rows: str) -> str:
            path = folder / f"catalog-{abs(hash(rows))}.yaml"
            entry["generator"] = {"engine": "replay", "model": "rows", "params": {"path": rows}}
            path.write_text(yaml.safe_dump({"datasets": {"doctoraus": entry}}, sort_keys=False))
            return str(path)

        root = DataRoot(str(home))
        first = catalog_for(str(folder / "none.parquet"))
        spec = load_catalog(first, allow_unmeasured=True).dataset("doctoraus")
        snapshot = take_snapshot("doctoraus", spec, root)
        root.write_text(manifest_path(root, ["doctoraus", "real_snapshot"]), snapshot.model_dump_json())  # what `evaluate` reads
        train, holdout = load_splits(snapshot, root)
        schema = snapshot.schema_contract
        honest = schema.conform(fit_model("sdv/gaussian_copula", train, schema, sample_rows=len(train)).sample, what="GaussianCopula sample")
        cases = {}
        for index, (name, (synthetic, _, leak)) in enumerate(leak_zoo.table_zoo("doctoraus", honest, train, holdout, schema, spec.quasi_identifiers).items()):
            path = folder / f"case-{index}.parquet"
            synthetic.to_parquet(path)
            cases[name] = (path, leak)
        yield {"root": root, "cases": cases, "catalog_for": catalog_for, "monkeypatch": monkeypatch}


def privacy_failures(gates) -> set[str]:
    return {f"{g['section']}_{g['metric']}" for g in gates if g["section"] == "privacy" and not g["passed"]}


def test_every_leak_fails_evaluate_and_both_controls_pass(zoo, capsys):
    for name, (path, leak) in zoo["cases"].items():
        zoo["monkeypatch"].setenv("SYNTH_ASSETS_CATALOG", zoo["catalog_for"](str(path)))
        capsys.readouterr()
        code = cli.main(["evaluate", "doctoraus", "--synthetic", str(path), "--json"])
        failed = privacy_failures(json.loads(capsys.readouterr().out)["gates"])
        if leak:
            assert code == 1 and failed, f"{name} passed every privacy gate"
        else:
            assert not failed, f"control {name} failed {failed}"


def test_every_leak_is_kept_out_of_the_published_zone_by_the_job(zoo, capsys):
    root = zoo["root"]
    for name, (path, leak) in zoo["cases"].items():
        if not leak:
            continue
        zoo["monkeypatch"].setenv("SYNTH_ASSETS_CATALOG", zoo["catalog_for"](str(path)))
        before = read_champion(root, "doctoraus")
        capsys.readouterr()
        assert cli.main(["refresh", "doctoraus"]) == 1, f"{name} was published"
        summary = capsys.readouterr().err
        # each failed gate with its value, threshold and evidence, as the status card words it
        assert re.search(r"  gate privacy_\w+ \d\.\d{4} vs <= [\d.]+ \(95% CI \[\d\.\d{4}, \d\.\d{4}\], baseline [\d.e-]+, n [\d,]+\): FAIL", summary), (
            f"{name}: no privacy gate named in\n{summary}"
        )
        assert read_champion(root, "doctoraus") == before  # nothing published, nothing half-written
        assert not (root.path("published", "doctoraus", ".staging")).exists()
