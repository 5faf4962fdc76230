"""What a CLI run prints, and where its full log goes.

The terminal gets the pipeline's own progress lines and, when a run fails, a short summary: the
failed step and its cause, the gate values against their thresholds, the champion that stays and
the path of the full log. Dagster's event stream (stack traces included) goes to
`state/logs/<run id>.log` under the data root, and to the terminal with `--verbose`.
"""

import logging
import sys
from pathlib import Path

import dagster as dg

from synth_assets.assets.status_card import gate_verdict
from synth_assets.manifests import GateOutcome

LOGGER_NAME = "synth_assets"


class _Short(logging.Filter):
    """Keep the pipeline's own messages (no Dagster event), shown as written."""

    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", None) or {}
        if meta.get("dagster_event") is not None:
            return False
        record.short = meta.get("orig_message") or record.getMessage()
        return True


@dg.logger(
    config_schema={"verbose": dg.Field(bool, default_value=False), "log_file": dg.Field(str, is_required=False)},
    description="Progress lines on stdout (everything with verbose) and the full event log in a file.",
)
def run_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger(LOGGER_NAME, level=logging.DEBUG)
    terminal = logging.StreamHandler(sys.stdout)
    if init_context.logger_config["verbose"]:
        terminal.setLevel(logging.DEBUG)
        terminal.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    else:
        terminal.setLevel(logging.INFO)
        terminal.addFilter(_Short())
        terminal.setFormatter(logging.Formatter("  %(short)s"))
    logger.addHandler(terminal)
    if log_file := init_context.logger_config.get("log_file"):
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        full = logging.FileHandler(log_file, encoding="utf-8")
        full.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(full)
    return logger


def failure_summary(steps: list[dict[str, str]], failed_gates: list[GateOutcome], champion: str | None, log_file: str) -> list[str]:
    """The lines a failed CLI run prints before its one-line error (no stack traces): each failed
    gate in the status card's wording, with the evidence behind its value."""
    lines = [f"  failed step {s['step']}: {s['cause']}" for s in steps]
    lines += [f"  gate {gate_verdict(gate)}{_evidence(gate)}: FAIL" for gate in failed_gates]
    lines.append(f"  champion kept: {champion}" if champion else "  no champion yet: nothing is published")
    lines.append(f"  full log: {log_file}")
    return lines


def _evidence(gate: GateOutcome) -> str:
    parts = [f"95% CI [{gate.ci_low:.4f}, {gate.ci_high:.4f}]"] if gate.ci_low is not None and gate.ci_high is not None else []
    parts += [f"baseline {gate.baseline:g}"] if gate.baseline is not None else []
    parts += [f"n {gate.n_samples:,}"] if gate.n_samples is not None else []
    return f" ({', '.join(parts)})" if parts else ""


def failed_gates(result: dg.JobExecutionResult) -> list[GateOutcome]:
    """The failed blocking checks of a run, rebuilt from what each check recorded."""
    found = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        meta = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
        if {"value", "threshold", "bound"} <= meta.keys():
            section, _, metric = evaluation.check_name.partition("_")  # section names have no underscore
            evidence = {k: meta[k] for k in ("ci_low", "ci_high", "baseline", "n_samples") if k in meta}
            found.append(GateOutcome(metric=metric, section=section, value=meta["value"], threshold=meta["threshold"], bound=meta["bound"], passed=False, **evidence))
    return found
