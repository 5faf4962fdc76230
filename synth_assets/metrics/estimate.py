"""One reported number with its uncertainty and baseline: the unit every report is made of."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

Z95 = 1.959964


@dataclass(frozen=True)
class Estimate:
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    baseline: float | None = None
    n_samples: int | None = None
    spread: float | None = None  # standard deviation over repeated runs, where a metric is repeated
    # Why the data cannot support a verdict (too few rows, targets, classes); None when it can.
    # A gate on an insufficient estimate is reported "not judged" instead of passing or failing on noise.
    insufficient: str | None = None
    # Aggregates that explain the value (per column, per subgroup, warnings); never records.
    details: Mapping[str, Any] | None = field(default=None, compare=False)

    def as_dict(self) -> dict:
        entry = {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "baseline": self.baseline,
            "n_samples": self.n_samples,
            "spread": self.spread,
            "insufficient": self.insufficient,
            "details": dict(self.details) if self.details else None,
        }
        return {k: v for k, v in entry.items() if v is not None}


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for a proportion; well-behaved at 0 and 1, unlike the normal one."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def auc_estimate(labels: np.ndarray, scores: np.ndarray, *, details: Mapping[str, Any] | None = None) -> Estimate:
    """ROC AUC with the Hanley-McNeil (1982) 95% interval; the baseline is chance, 0.5."""
    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        raise ValueError("an AUC needs both positive and negative examples")
    auc = float(roc_auc_score(labels, scores))
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    ) / (positives * negatives)
    half = Z95 * float(np.sqrt(max(variance, 0.0)))
    return Estimate(
        auc, max(0.0, auc - half), min(1.0, auc + half), baseline=0.5, n_samples=positives + negatives, details=details
    )
