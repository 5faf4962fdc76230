"""The one decision behind the drift sensor and the nightly schedule: regenerate, report, or skip.

Both ask the same question of the same facts (the drift report, the champion's age, the runs of
the dataset's regenerate job) and get the same answer, so they never disagree about a source:

- a regeneration is queued or running: skip;
- the source drifted and no regeneration was ever run for this state of the source (its
  fingerprint, kept in the run's `drift/source_fingerprint` tag, whichever of the two requested
  it): regenerate, once; run key `drift-<fingerprint>`;
- the champion is older than `max_generator_age_days` (nightly only, when the policy sets it):
  regenerate, once per champion; run key `age-<version>`;
- no champion yet (nightly only): regenerate;
- otherwise: the nightly schedule records a drift report, the sensor skips; the reason says why
  (stable: the source matches champion <version>; or drift already handled by run <id>).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import dagster as dg

from synth_assets.catalog import DatasetSpec
from synth_assets.manifests import PublicationManifest
from synth_assets.metrics.drift import summary_line
from synth_assets.runlock import regeneration_in_flight
from synth_assets.stages.drift import measure_drift
from synth_assets.stages.publish import read_champion

FINGERPRINT_TAG = "drift/source_fingerprint"


@dataclass(frozen=True)
class Decision:
    action: Literal["regenerate", "report", "skip"]
    reason: str
    report: dict
    run_key: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def decide(
    report: dict,
    champion: PublicationManifest | None,
    *,
    now: datetime,
    max_age_days: int | None,
    nightly: bool,
    in_flight: str | None = None,
    handled_by: tuple[str, str] | None = None,
) -> Decision:
    """The decision from facts already gathered (pure: no database, no Dagster instance).

    `max_age_days`: refresh a champion older than this (None: never by age); `nightly`: the
    schedule asks (it may bootstrap, refresh by age, and records a report when nothing else is
    due); `in_flight`: id of a queued or running regeneration; `handled_by`: (run id, status) of
    an earlier regeneration for this source fingerprint.
    """
    line = summary_line(report)
    quiet = "report" if nightly else "skip"
    if in_flight:
        return Decision("skip", f"regeneration {in_flight} is in flight; not starting another", report)
    if champion is None:
        if nightly:
            return Decision("regenerate", "no champion yet", report, tags={"reason": "no champion yet"})
        return Decision("skip", f"no regeneration: {line}", report)
    quiet_reason = f"no regeneration: the source matches champion {champion.version} ({line})"
    if report["drifted"]:
        if handled_by is None:
            reason = f"drift: {line}"
            fingerprint = report["source"]["fingerprint"][:16]
            return Decision("regenerate", reason, report, run_key=f"drift-{fingerprint}", tags=drift_tags(report) | {"reason": reason[:250]})
        run_id, status = handled_by
        quiet_reason = f"drift already handled for this source state by regeneration {run_id} ({status.lower()}): {line}"
    age_days = (now - datetime.fromisoformat(champion.published_at)).total_seconds() / 86400
    if nightly and max_age_days is not None and age_days > max_age_days:
        reason = f"champion {champion.version} is {age_days:.0f} days old (max {max_age_days})"
        return Decision("regenerate", reason, report, run_key=f"age-{champion.version}", tags={"dataset": report["dataset"], "reason": reason})
    return Decision(quiet, quiet_reason, report)


def evaluate(
    dataset: str,
    spec: DatasetSpec,
    root,
    instance: dg.DagsterInstance,
    job_name: str,
    *,
    now: datetime,
    nightly: bool,
    requested: dict | None = None,
) -> Decision:
    """Gather the facts (drift report, champion, runs of the job) and `decide`.

    `requested`: the sensor's own last request ({fingerprint, run_key}), which counts as handled
    before the daemon has turned it into a run.
    """
    report = measure_drift(dataset, spec, root)
    fingerprint = report["source"]["fingerprint"][:16]
    handled_by = regeneration_for_state(instance, job_name, fingerprint)
    if handled_by is None and requested and requested.get("fingerprint") == fingerprint:
        handled_by = (requested["run_key"], "REQUESTED")
    return decide(
        report,
        read_champion(root, dataset),
        now=now.astimezone(UTC),
        max_age_days=spec.max_generator_age_days,
        nightly=nightly,
        in_flight=regeneration_in_flight(instance, job_name, root),
        handled_by=handled_by,
    )


def regeneration_for_state(instance: dg.DagsterInstance, job_name: str, fingerprint: str) -> tuple[str, str] | None:
    """(run id, status) of the latest regeneration requested for this source fingerprint."""
    records = instance.get_run_records(dg.RunsFilter(job_name=job_name, tags={FINGERPRINT_TAG: fingerprint}), limit=1)
    return (records[0].dagster_run.run_id, records[0].dagster_run.status.value) if records else None


def drift_tags(report: dict) -> dict[str, str]:
    return {
        "dataset": report["dataset"],
        "drift/score": f"{report['score']:.3f}",
        "drift/worst_column": str(report["worst_column"]),
        "drift/columns": ",".join(report["drifted_columns"])[:200],
        FINGERPRINT_TAG: report["source"]["fingerprint"][:16],
    }
