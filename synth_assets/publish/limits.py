"""How many rows one call of the registered generator may return: no more than the gates certified.

The privacy gates were run on N synthetic rows (the published dataset's size). Far larger samples
from the same generator give an attacker more chances to hit a memorised record than anything the
gates measured, so `predict` refuses more than `max_sample_rows` per call (catalog; default N).
"""


class SampleLimitError(ValueError):
    """A request for more rows than the generator was certified for."""


def sample_row_limit(max_sample_rows: int | None, certified_rows: int) -> int:
    """The catalog's `max_sample_rows`, or the row count the gates were run on."""
    return max_sample_rows if max_sample_rows is not None else certified_rows


def check_sample_rows(n_rows: int, limit: int, dataset: str) -> None:
    if n_rows > limit:
        raise SampleLimitError(
            f"{dataset}: {n_rows:,} rows requested, but this generator's privacy gates were run on {limit:,} rows; "
            f"sample at most {limit:,} per call, or raise `max_sample_rows` in the catalog and regenerate so the gates see that many"
        )
