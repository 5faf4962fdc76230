"""The generator bake-off: candidates fitted on one snapshot, judged by one policy, ranked.

Each candidate goes through the same stages as a regeneration (fit within its bounds, sample,
validate, transfer), so its numbers are comparable with the champion's. A candidate that cannot
be fitted (over its time or memory bound, over the epsilon budget, a library error) is ranked
last with its reason; it never stops the others.

Ranking follows the dataset's acceptance policy: candidates that pass every gate come first, then
fewer failed gates; ties are broken by the transfer ratio (what consumers train for), then the
quality score, then the faster fit.
"""

from collections.abc import Callable
from dataclasses import dataclass

from synth_assets.catalog import DatasetSpec, GeneratorSpec
from synth_assets.engines import GeneratorError
from synth_assets.governance.privacy_ledger import PrivacyBudgetExceeded
from synth_assets.manifests import GeneratorManifest, ReportManifest, SnapshotManifest, SyntheticManifest
from synth_assets.stages.generate import fit_generator, sample_synthetic
from synth_assets.stages.transfer import evaluate_transfer
from synth_assets.stages.validate import validate_candidate
from synth_assets.storage import DataRoot

TIE_BREAKERS = ("transfer.transfer_ratio", "fidelity.quality_score")


@dataclass(frozen=True)
class CandidateOutcome:
    label: str  # engine/model, with the candidate's index when the same model appears twice
    spec: GeneratorSpec
    error: str | None = None
    generator: GeneratorManifest | None = None
    synthetic: SyntheticManifest | None = None
    validation: ReportManifest | None = None
    transfer: ReportManifest | None = None

    @property
    def gates(self) -> tuple:
        return () if self.error else self.validation.gates + self.transfer.gates

    @property
    def passed(self) -> bool:
        return self.error is None and all(g.passed for g in self.gates)

    def metric(self, name: str) -> float | None:
        if self.error:
            return None
        return (self.validation.metrics | self.transfer.metrics).get(name)


def candidate_labels(candidates: list[GeneratorSpec]) -> list[str]:
    names = [f"{c.engine}/{c.model}" for c in candidates]
    return [name if names.count(name) == 1 else f"{name}#{index + 1}" for index, name in enumerate(names)]


def run_candidate(
    dataset: str,
    spec: DatasetSpec,
    candidate: GeneratorSpec,
    label: str,
    snapshot: SnapshotManifest,
    root: DataRoot,
    *,
    version: str,
    log: Callable[[str], None] = print,
) -> CandidateOutcome:
    """Fit, sample, validate and evaluate one candidate as the regenerate job would."""
    as_chosen = spec.model_copy(update={"generator": candidate})
    try:
        generator = fit_generator(dataset, as_chosen, snapshot, root, version=version, log=log)
    except (GeneratorError, PrivacyBudgetExceeded) as error:
        log(f"{label}: not fitted: {error}")
        return CandidateOutcome(label, candidate, error=str(error))
    synthetic, frame = sample_synthetic(dataset, as_chosen, generator, snapshot, root)
    validation = validate_candidate(as_chosen, snapshot, synthetic, frame, root)
    transfer = evaluate_transfer(as_chosen, snapshot, synthetic, root)
    return CandidateOutcome(label, candidate, generator=generator, synthetic=synthetic, validation=validation, transfer=transfer)


def rank(outcomes: list[CandidateOutcome]) -> list[CandidateOutcome]:
    def key(outcome: CandidateOutcome) -> tuple:
        if outcome.error:
            return (1, float("inf"), 0.0, 0.0, float("inf"))
        failed = sum(not g.passed for g in outcome.gates)
        ties = [-(outcome.metric(name) or 0.0) for name in TIE_BREAKERS]
        return (0, failed, *ties, outcome.generator.fit_seconds)

    return sorted(outcomes, key=key)


def ranking_table(ranked: list[CandidateOutcome]) -> list[dict]:
    """One row per candidate, best first: what the bake-off report and the UI show."""
    rows = []
    for position, outcome in enumerate(ranked, start=1):
        row = {"rank": position, "candidate": outcome.label, "params": outcome.spec.params, "seed": outcome.spec.seed}
        if outcome.error:
            rows.append(row | {"status": "not fitted", "reason": outcome.error})
            continue
        rows.append(
            row
            | {
                "status": "passes every gate" if outcome.passed else "fails " + ", ".join(g.check_name for g in outcome.gates if not g.passed),
                "version": outcome.generator.version,
                "fit_seconds": outcome.generator.fit_seconds,
                "peak_memory_mb": outcome.generator.peak_memory_mb,
                "epsilon": outcome.generator.epsilon,
                "synthetic_hash": outcome.synthetic.content_hash,
                "gates": {g.check_name: {"value": g.value, "threshold": g.threshold, "bound": g.bound, "passed": g.passed} for g in outcome.gates},
            }
        )
    return rows


def ranking_markdown(rows: list[dict]) -> str:
    gate_names = sorted({name for row in rows for name in row.get("gates", {})})
    header = ["rank", "candidate", "status", "fit (s)", "peak MiB", *gate_names]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        gates = row.get("gates", {})
        cells = [
            str(row["rank"]),
            row["candidate"],
            row["status"] if "reason" not in row else f"not fitted: {row['reason'][:120]}",
            f"{row['fit_seconds']:.1f}" if "fit_seconds" in row else "",
            f"{row['peak_memory_mb']:,.0f}" if "peak_memory_mb" in row else "",
            *[
                f"{'**' if not gates[name]['passed'] else ''}{gates[name]['value']:.3f}{'**' if not gates[name]['passed'] else ''}"
                if name in gates
                else ""
                for name in gate_names
            ],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\nFailed gates in **bold**; ranked by gates passed, then transfer ratio, quality score and fit time."


def ranking_folder(root: DataRoot, dataset: str, version: str):
    return root.path("published", dataset, "bakeoffs", version)


def latest_ranking(root: DataRoot, dataset: str) -> tuple[str, list[dict]]:
    """The newest bake-off ranking of `dataset` (versions sort by time)."""
    folders = sorted(root.path("published", dataset, "bakeoffs").iterdir(), key=lambda f: f.name)
    path = folders[-1] / "ranking.json"
    return str(path), root.read_json(path)["ranking"]
