"""The privacy ledger: epsilon spent on a dataset's real data, fit after fit.

Every fit of a differentially private generator spends its epsilon on the source's rows, whether
or not it finishes and whether or not its candidate passes the gates: the spend is recorded when
the fit starts. Refreshes read overlapping data (the same source, grown),
so spends add up (sequential composition); the catalog's `epsilon_budget` caps the total, and a
regeneration that would exceed it is refused before anything is fitted.
"""

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from synth_assets.storage import DataRoot


class PrivacyBudgetExceeded(RuntimeError):
    """A fit would spend more epsilon than the dataset's budget has left."""


class Spend(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    generator: str
    epsilon: float
    delta: float | None
    snapshot_hash: str
    spent_at: str


def _path(root: DataRoot, dataset: str):
    return root.path("state", "privacy_ledger", f"{dataset}.json")


def spends(root: DataRoot, dataset: str) -> list[Spend]:
    path = _path(root, dataset)
    return [Spend.model_validate(s) for s in root.read_json(path)] if path.exists() else []


def epsilon_spent(root: DataRoot, dataset: str) -> float:
    return float(sum(s.epsilon for s in spends(root, dataset)))


def check_budget(root: DataRoot, dataset: str, epsilon: float, budget: float | None) -> None:
    if budget is None:
        return
    spent = epsilon_spent(root, dataset)
    if spent + epsilon > budget + 1e-12:
        raise PrivacyBudgetExceeded(
            f"dataset {dataset!r}: this regeneration would spend epsilon {epsilon:g}, bringing the total spent on its data to "
            f"{spent + epsilon:g}, over the budget of {budget:g} ({len(spends(root, dataset))} fits have spent {spent:g}). "
            "Nothing was fitted; the champion stays. Lower generator.epsilon, or raise epsilon_budget if your privacy "
            "policy allows it."
        )


def record_spend(root: DataRoot, dataset: str, spend: Spend) -> None:
    root.write_json(_path(root, dataset), [s.model_dump() for s in [*spends(root, dataset), spend]])


def new_spend(**fields) -> Spend:
    return Spend(spent_at=datetime.now(UTC).isoformat(timespec="seconds"), **fields)
