"""Stages 2 and 3: fit the catalog's generator on the train split, then sample a candidate."""

import time
from datetime import UTC, datetime

import pandas as pd

from synth_assets.catalog import DatasetSpec
from synth_assets.engines import SyntheticGenerator, build_generator
from synth_assets.manifests import GeneratorManifest, SnapshotManifest, SyntheticManifest
from synth_assets.provenance import code_version, config_hash
from synth_assets.stages.candidate import candidate_folder
from synth_assets.storage import DataRoot


def new_version(run_id: str) -> str:
    """Version ids sort by time and name their run: `20261123T020000Z-1a2b3c4d`."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{run_id[:8]}"


def fit_generator(
    dataset: str, spec: DatasetSpec, snapshot: SnapshotManifest, root: DataRoot, *, version: str
) -> GeneratorManifest:
    train = root.read_frame(root.resolve(snapshot.train_path), expected_hash=snapshot.train_hash)
    config = spec.generator
    generator = build_generator(config.engine, config.model, config.params, config.seed)
    started = time.perf_counter()
    generator.fit(train, snapshot.schema_contract, faked=snapshot.pii.faked, column_order=snapshot.pii.column_order)
    fit_seconds = time.perf_counter() - started
    # Each fit gets its own folder: a new generator never overwrites the champion's file.
    folder = root.path("restricted", dataset, "generators", version)
    sha256 = root.write_bytes(folder / "generator.pkl", generator.to_bytes())
    root.write_bytes(folder / "reference_profile.json", root.resolve(snapshot.profile_path).read_bytes())
    description = generator.describe()
    manifest = GeneratorManifest(
        dataset=dataset,
        version=version,
        path=root.relative(folder / "generator.pkl"),
        sha256=sha256,
        engine=config.engine,
        model=config.model,
        params=config.params,
        seed=config.seed,
        config_hash=config_hash(config.model_dump()),
        library_versions=description["library_versions"],
        code_version=code_version(),
        snapshot_hash=snapshot.snapshot_hash,
        fit_seconds=round(fit_seconds, 3),
        reference_profile_path=root.relative(folder / "reference_profile.json"),
    )
    root.write_json(folder / "generator.json", manifest.model_dump())
    return manifest


def load_generator(manifest: GeneratorManifest, root: DataRoot) -> SyntheticGenerator:
    """Unpickle a generator only after its bytes match the hash recorded when it was written."""
    return SyntheticGenerator.from_bytes(root.read_bytes(root.resolve(manifest.path), expected_sha256=manifest.sha256))


def sample_synthetic(
    dataset: str, spec: DatasetSpec, generator_manifest: GeneratorManifest, snapshot: SnapshotManifest, root: DataRoot
) -> tuple[SyntheticManifest, pd.DataFrame]:
    """Sample the candidate into the restricted zone: it is not published before its gates pass."""
    generator = load_generator(generator_manifest, root)
    n_rows = spec.synthetic_rows or snapshot.n_train
    synthetic = generator.sample(n_rows, seed=spec.generator.seed)
    path = candidate_folder(root, dataset, generator_manifest.version) / "synthetic.parquet"
    content_hash = root.write_frame(path, synthetic)
    manifest = SyntheticManifest(
        dataset=dataset,
        version=generator_manifest.version,
        path=root.relative(path),
        content_hash=content_hash,
        n_rows=len(synthetic),
        sample_seed=spec.generator.seed,
        generator_sha256=generator_manifest.sha256,
        snapshot_hash=snapshot.snapshot_hash,
    )
    return manifest, synthetic

