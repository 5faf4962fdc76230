"""Small-cell suppression: what a published report may say about real data.

Reports are aggregates, but an aggregate over very few people describes those people: a category
held by one person names them, and the 1% quantile of fifty rows is one person's value. Counts
and labels of fewer than `MIN_CELL` real rows are suppressed, and a tail quantile is reported
only when at least `MIN_CELL` real rows lie beyond it.
"""

MIN_CELL = 10
SUPPRESSED = f"(suppressed: fewer than {MIN_CELL} real rows)"


def publishable_count(count: int) -> bool:
    return count >= MIN_CELL


def publishable_quantile(q: float, n_rows: int) -> bool:
    return n_rows * min(q, 1.0 - q) >= MIN_CELL
