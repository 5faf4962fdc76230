"""Gates: a metric value held against its threshold from the catalog's acceptance criteria.

An acceptance field `<metric>_min` or `<metric>_max` declares a gate on `<metric>`; its schema
names the report section (`fidelity`, `privacy`, `transfer`, ...) that computes the metric, and a
`null` threshold leaves the metric reported but ungated.
"""

from dataclasses import dataclass
from typing import Literal

from synth_assets.catalog import AcceptanceCriteria, DatasetSpec

REPORT_OF_SECTION = {"fidelity": "validation", "coverage": "validation", "privacy": "validation", "transfer": "transfer"}


@dataclass(frozen=True)
class Gate:
    metric: str
    section: str
    bound: Literal["min", "max"]
    threshold: float
    description: str

    @property
    def check_name(self) -> str:
        return f"{self.section}_{self.metric}"

    def holds(self, value: float) -> bool:
        return value >= self.threshold if self.bound == "min" else value <= self.threshold

    def describe(self) -> str:
        return f"{self.metric} {'>=' if self.bound == 'min' else '<='} {self.threshold:g}: {self.description}"


def acceptance_gates(criteria: AcceptanceCriteria, report: str | None = None) -> dict[str, Gate]:
    """The active gates of `criteria`, keyed by metric; only those of `report` when it is given."""
    gates = {}
    for field, info in type(criteria).model_fields.items():
        threshold = getattr(criteria, field)
        metric, _, bound = field.rpartition("_")
        section = info.json_schema_extra["section"]
        if threshold is not None and (report is None or REPORT_OF_SECTION[section] == report):
            gates[metric] = Gate(metric, section, bound, float(threshold), info.description)
    return gates


# Metrics that exist only when the catalog declares what they need.
NEEDS_SENSITIVE_ATTRIBUTES = {"subgroup_quality", "worst_subgroup_transfer_ratio"}
NEEDS_QUASI_IDENTIFIERS = {"qi_unique_share", "qi_unique_match_rate", "qi_inference_advantage"}


def applicable_gates(spec: DatasetSpec, report: str) -> dict[str, Gate]:
    """The gates of `report` this dataset's configuration lets the report evaluate."""
    gates = acceptance_gates(spec.acceptance, report)
    if not spec.sensitive_attributes:
        gates = {m: g for m, g in gates.items() if m not in NEEDS_SENSITIVE_ATTRIBUTES}
    if not spec.quasi_identifiers:
        gates = {m: g for m, g in gates.items() if m not in NEEDS_QUASI_IDENTIFIERS}
    return gates
