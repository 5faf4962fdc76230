"""Stages 2 and 3: fit the catalog's generator on the train split, then sample a candidate."""

from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd

from synth_assets.catalog import DatasetSpec
from synth_assets.engines import ENGINE_FAMILIES, SamplingPolicy, generator_params, model_info
from synth_assets.engines.environments import environment
from synth_assets.engines.isolation import fit_in_engine, sample_in_engine
from synth_assets.engines.protocol import FitRequest
from synth_assets.governance.privacy_ledger import check_budget, epsilon_spent, new_spend, record_spend
from synth_assets.manifests import GeneratorEnvironment, GeneratorManifest, Presample, SnapshotManifest, SyntheticManifest
from synth_assets.provenance import code_version, config_hash
from synth_assets.stages.candidate import candidate_folder
from synth_assets.storage import DataRoot


def new_version(run_id: str) -> str:
    """Version ids sort by time and name their run: `20261123T020000Z-1a2b3c4d`."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{run_id[:8]}"


def candidate_rows(spec: DatasetSpec, snapshot: SnapshotManifest) -> int:
    return spec.synthetic_rows or snapshot.n_train


def fit_generator(
    dataset: str,
    spec: DatasetSpec,
    snapshot: SnapshotManifest,
    root: DataRoot,
    *,
    version: str,
    log: Callable[[str], None] = print,
) -> GeneratorManifest:
    """Fit the catalog's generator on the train split, in its engine's environment within its bounds.

    A differentially private fit is checked against the dataset's epsilon budget first, and its
    spend is recorded in the privacy ledger when it starts: a fit that fails, is killed at its time
    budget or whose candidate fails a gate has still run the mechanism on the real rows (and its
    progress logs left the fitting process), so it spends its epsilon all the same.
    """
    config = spec.generator
    info = model_info(config.engine, config.model)
    params = generator_params(info, config.params, config.epsilon, config.delta)
    private = config.epsilon is not None  # generator_params refused epsilon for models that cannot honour it
    train = root.read_frame(root.resolve(snapshot.train_path), expected_hash=snapshot.train_hash)
    if private:
        check_budget(root, dataset, config.epsilon, spec.epsilon_budget)
        record_spend(
            root,
            dataset,
            new_spend(version=version, generator=info.name, epsilon=config.epsilon, delta=config.delta, snapshot_hash=snapshot.snapshot_hash),
        )
    outcome = fit_in_engine(
        FitRequest(
            engine=config.engine,
            model=config.model,
            params=config.params,
            seed=config.seed,
            epsilon=config.epsilon,
            delta=config.delta,
            schema_contract=snapshot.schema_contract,
            faked=snapshot.pii.faked,
            column_order=snapshot.pii.column_order,
            policy=SamplingPolicy(constraints=spec.constraints, top_up_min_share=spec.top_up_categories_above),
            sample_rows=candidate_rows(spec, snapshot),
            sample_seed=config.seed,
        ),
        train,
        time_budget_s=config.time_budget_s,
        memory_limit_gb=config.memory_limit_gb,
        log=log,
    )
    # Each fit gets its own folder: a new generator never overwrites the champion's file.
    folder = root.path("restricted", dataset, "generators", version)
    sha256 = root.write_bytes(folder / "generator.pkl", outcome.generator_bytes)
    sample_path = folder / "synthetic_presample.parquet"
    presample = Presample(
        path=root.relative(sample_path),
        content_hash=root.write_frame(sample_path, outcome.sample),
        n_rows=len(outcome.sample),
        seed=config.seed,
    )
    root.write_bytes(folder / "reference_profile.json", root.resolve(snapshot.profile_path).read_bytes())
    manifest = GeneratorManifest(
        dataset=dataset,
        version=version,
        path=root.relative(folder / "generator.pkl"),
        sha256=sha256,
        engine=config.engine,
        model=config.model,
        params=params,
        seed=config.seed,
        config_hash=config_hash(config.model_dump()),
        library_versions=outcome.reply.library_versions,
        environment=generator_environment(config.engine, outcome.reply.python),
        code_version=code_version(),
        snapshot_hash=snapshot.snapshot_hash,
        fit_seconds=round(outcome.cost.seconds, 3),
        fit_cpu_seconds=round(outcome.cost.cpu_seconds, 3),
        peak_memory_mb=round(outcome.cost.peak_memory_mb, 1),
        epsilon=config.epsilon,
        delta=config.delta,
        epsilon_spent_total=epsilon_spent(root, dataset) if private else None,
        epsilon_accounted=(outcome.reply.privacy_spent or {}).get("epsilon_accounted"),
        reference_profile_path=root.relative(folder / "reference_profile.json"),
        presample=presample,
    )
    root.write_json(folder / "generator.json", manifest.model_dump())
    return manifest


def generator_environment(engine: str, python: str) -> GeneratorEnvironment:
    name = ENGINE_FAMILIES[engine].environment
    if name is None:
        return GeneratorEnvironment(name="host", python=python, lock_sha256=None)
    return GeneratorEnvironment(name=name, python=python, lock_sha256=environment(name).lock_sha256)


def sample_generator(manifest: GeneratorManifest, root: DataRoot, n_rows: int, seed: int) -> pd.DataFrame:
    """Rows from a stored generator, sampled in its engine's environment (after its sha256 is checked)."""
    data = root.read_bytes(root.resolve(manifest.path), expected_sha256=manifest.sha256)
    return sample_in_engine(manifest.engine, manifest.model, data, manifest.sha256, n_rows, seed)


def sample_synthetic(
    dataset: str, spec: DatasetSpec, generator_manifest: GeneratorManifest, snapshot: SnapshotManifest, root: DataRoot
) -> tuple[SyntheticManifest, pd.DataFrame]:
    """Sample the candidate into the restricted zone: it is not published before its gates pass.

    The fit's own sample is used when it has the rows and seed asked for (the same rows a later
    sample with that seed gives); otherwise the generator is sampled in its engine's environment.
    """
    n_rows, seed = candidate_rows(spec, snapshot), spec.generator.seed
    presample = generator_manifest.presample
    if presample is not None and (presample.n_rows, presample.seed) == (n_rows, seed):
        synthetic = root.read_frame(root.resolve(presample.path), expected_hash=presample.content_hash)
    else:
        synthetic = sample_generator(generator_manifest, root, n_rows, seed)
    path = candidate_folder(root, dataset, generator_manifest.version) / "synthetic.parquet"
    content_hash = root.write_frame(path, synthetic)
    manifest = SyntheticManifest(
        dataset=dataset,
        version=generator_manifest.version,
        path=root.relative(path),
        content_hash=content_hash,
        n_rows=len(synthetic),
        sample_seed=seed,
        generator_sha256=generator_manifest.sha256,
        snapshot_hash=snapshot.snapshot_hash,
    )
    return manifest, synthetic

