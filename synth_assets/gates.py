"""Gates: a metric value held against its threshold from the catalog's acceptance criteria.

An acceptance field `<metric>_min` or `<metric>_max` declares a gate on `<metric>`; its schema
names the report (`validation`, `transfer`, ...) that computes the metric.
"""

from dataclasses import dataclass
from typing import Literal

from synth_assets.catalog import AcceptanceCriteria


@dataclass(frozen=True)
class Gate:
    metric: str
    bound: Literal["min", "max"]
    threshold: float
    report: str
    description: str

    def holds(self, value: float) -> bool:
        return value >= self.threshold if self.bound == "min" else value <= self.threshold

    def describe(self) -> str:
        return f"{self.metric} {'>=' if self.bound == 'min' else '<='} {self.threshold:g}: {self.description}"


def acceptance_gates(criteria: AcceptanceCriteria, report: str | None = None) -> dict[str, Gate]:
    """The gates of `criteria`, keyed by metric; only those of `report` when it is given."""
    gates = {}
    for field, info in type(criteria).model_fields.items():
        metric, _, bound = field.rpartition("_")
        gate_report = info.json_schema_extra["report"]
        if report is None or gate_report == report:
            gates[metric] = Gate(metric, bound, float(getattr(criteria, field)), gate_report, info.description)
    return gates
