"""Mutation testing of the safety core (`make mutation`): killed / survived / untested per module.

    .venv/bin/python -m benchmarks.mutation                  # run every mutant, then report
    .venv/bin/python -m benchmarks.mutation --report-only    # report what mutmut has recorded

A full run takes 35-50 minutes on 2 cores (~5,800 mutants; publication, consumption and the
transfer metrics take most of it, their tests publish into a real MLflow store or fit models).

mutmut (pinned in the dev extra) mutates the modules listed under `[tool.mutmut] only_mutate` in
pyproject.toml and runs, for each mutant, the fast tests of `pytest_add_cli_args_test_selection`
that cover the mutated function. A mutant is *killed* when a test fails, *survived* when every
covering test passes, *no tests* when no selected test reaches it. The share killed is given over
all mutants (the honest figure: an untested mutant is not caught) and over the mutants some test
reached. Surviving mutants are listed in the JSON with their names (`mutmut show NAME` prints the
diff).

A surviving mutant that cannot change behaviour is listed in `EQUIVALENT` with the reason; it is
reported apart and left out of the "killed of non-equivalent" share (the "killed of all" share
still counts it). An entry only counts while its mutant survives: a listed mutant that a test
kills (or that no longer exists, after an edit renumbered the function's mutants) is reported
as a stale entry, so the list cannot hide a killable mutant.
"""

import os
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

from benchmarks.common import write_results

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.85

_FAKER_LOCALE = "Faker(None) is Faker's DEFAULT_LOCALE en_US, and Faker normalises locale names (locale.normalize): the same providers"
_EMAIL_ON_INTEGERS = "the e-mail pattern never matches an integer column (no '@'), and for other columns both sides return False"
_LIMIT = "the records come newest first and only records[0] is read: the limit only bounds the query"
_IN_FLIGHT = "run_is_dead already requires an in-flight status: the status filter only narrows the query"
_INDEX = "the concatenated frame only feeds MixedSpace fit/encode (or percentiles), which read column values, never the index"
_THREADS = "the number of worker threads only schedules the blocks: every block's distances are the same on any thread"
_CAP_MORE = (
    "the in-unit test only lets a block skip the cap at 1; calling a column out of the unit interval more often "
    "applies min(d, 1) where |a - b| <= 1 already (both sides in [0, 1]), a no-op"
)
_AS_FLOAT64 = "astype(None) is astype(float64)"
_BOOL_LABELS = "auc_estimate casts the labels to bool, so float ones and zeros are the same labels"
_ZIP_SAME_LENGTH = "TAIL_QUANTILES, real_q and synthetic_q always have one entry per quantile: zip's strictness never triggers"
_ONE_ROW_PER_KEY = (
    "only keys with LOOKUP_MAX_MATCHES = 1 synthetic row remain, so each key has one (value, count=1) row: "
    "the sort direction cannot change which row drop_duplicates keeps per key, and the result is looked up by key"
)
_ZIP_PROPERTIES = "SDMetrics' properties table has one score per property: zip's strictness never triggers"
_NAN_SPELLING = "float() reads 'NAN' as 'nan', case-insensitively"
EQUIVALENT = {
    "synth_assets.consume.x_pull__mutmut_25": (
        "to_parquet(index=None) stores a RangeIndex as metadata only, as index=False does: the frame read back from the published Parquet always has one"
    ),
    "synth_assets.consume.x_pull__mutmut_27": "to_parquet's default index is None: see x_pull__mutmut_25",
    "synth_assets.stages.publish.x_publish_candidate__mutmut_61": (
        "the staging folder's random suffix only keeps concurrent attempts apart; its length is never read"
    ),
    "synth_assets.stages.publish.x_publish_candidate__mutmut_87": "log_version's `role` defaults to CHAMPION",
    "synth_assets.metrics.fidelity.x_quality_report__mutmut_25": "verbose=None is as false as verbose=False to SDMetrics' `if verbose:`",
    "synth_assets.metrics.fidelity.x_quality_report__mutmut_36": _ZIP_PROPERTIES,
    "synth_assets.metrics.fidelity.x_quality_report__mutmut_39": _ZIP_PROPERTIES,
    "synth_assets.metrics.fidelity.x_quality_report__mutmut_46": _ZIP_PROPERTIES,
    "synth_assets.metrics.fidelity.x_quality_report__mutmut_81": _NAN_SPELLING,
    "synth_assets.metrics.fidelity.x_column_shape_scores__mutmut_21": (
        "the KS statistic does not depend on ks_2samp's `method`, which only chooses how the p-value is computed"
    ),
    "synth_assets.storage.x_frame_hash__mutmut_8": "index=None: hash_pandas_object tests `if index:`, so None is False",
    "synth_assets.runlock.x__create_exclusively__mutmut_14": "the exception's argument is never read: acquire, the only caller, catches FileExistsError",
    "synth_assets.runlock.x_sweep__mutmut_2": _IN_FLIGHT,
    "synth_assets.runlock.x_sweep__mutmut_3": _IN_FLIGHT,
    "synth_assets.governance.pii.x_detect_identifiers__mutmut_3": (
        "sampling SAMPLE_ROWS of exactly SAMPLE_ROWS values is a permutation, and every check is order-independent"
    ),
    "synth_assets.governance.pii.x_detect_identifiers__mutmut_31": _EMAIL_ON_INTEGERS,
    "synth_assets.governance.pii.x__plain_numbers__mutmut_3": _EMAIL_ON_INTEGERS,
    "synth_assets.governance.pii.x__plain_numbers__mutmut_4": _EMAIL_ON_INTEGERS,
    "synth_assets.governance.pii.x_fake_values__mutmut_2": _FAKER_LOCALE,
    "synth_assets.governance.pii.x_fake_values__mutmut_4": _FAKER_LOCALE,
    "synth_assets.governance.pii.x_fake_values__mutmut_5": _FAKER_LOCALE,
    "synth_assets.governance.pii.x_is_faker_provider__mutmut_7": _FAKER_LOCALE,
    "synth_assets.governance.pii.x_is_faker_provider__mutmut_9": _FAKER_LOCALE,
    "synth_assets.governance.pii.x_is_faker_provider__mutmut_10": _FAKER_LOCALE,
    "sensors.decision.x_evaluate__mutmut_32": "'requested' for 'REQUESTED': decide lower-cases the status before using it",
    "sensors.decision.x_evaluate__mutmut_51": "astimezone(None) for astimezone(UTC): `now` only enters an aware subtraction, which ignores the zone",
    "sensors.decision.x_regeneration_for_state__mutmut_3": _LIMIT,
    "sensors.decision.x_regeneration_for_state__mutmut_5": _LIMIT,
    "sensors.decision.x_regeneration_for_state__mutmut_10": _LIMIT,
    "synth_assets.metrics.distance.xǁMixedSpaceǁfit__mutmut_6": (
        "errstate(all=None) keeps the global state: nanmin, nanmax and nan_to_num raise no floating-point error "
        "even under np.seterr(all='raise') (an all-NaN column warns through warnings.warn, which errstate does not touch)"
    ),
    "synth_assets.metrics.distance.xǁMixedSpaceǁfit__mutmut_15": "nan_to_num's default nan is 0.0",
    "synth_assets.metrics.distance.xǁMixedSpaceǁfit__mutmut_30": "nan_to_num's default nan is 0.0",
    "synth_assets.metrics.distance.xǁMixedSpaceǁfit__mutmut_36": (
        "an all-missing column's high as 1 instead of 0 (its low stays 0): its width is 1 either way, and width is all encode reads of the high"
    ),
    "synth_assets.metrics.distance.xǁMixedSpaceǁencode__mutmut_23": "any negative code marks an unseen value: -2 is as unseen as -1",
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_11": (
        "a block of at least 17 query rows instead of 16: blocks only partition the query rows, each row's distances are the same"
    ),
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_31": _CAP_MORE,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_32": _CAP_MORE,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_33": _CAP_MORE,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_62": _CAP_MORE,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_66": _CAP_MORE,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_67": _CAP_MORE,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_68": _CAP_MORE,
    "synth_assets.metrics.distance.x_nearest_two__mutmut_4": _THREADS,
    "synth_assets.metrics.distance.x_nearest_two__mutmut_7": _THREADS,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_94": _THREADS,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_95": _THREADS,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_100": _THREADS,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_101": _THREADS,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_102": _THREADS,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_103": _THREADS,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_119": _AS_FLOAT64,
    "synth_assets.metrics.distance.x_nearest_two_with_index__mutmut_120": _AS_FLOAT64,
    "synth_assets.metrics.privacy.x_canonical_row_hashes__mutmut_8": _AS_FLOAT64,
    "synth_assets.metrics.privacy.x_canonical_row_hashes__mutmut_22": "index=None: hash_pandas_object tests `if index:`, so None is False",
    "synth_assets.metrics.privacy.x_distance_privacy__mutmut_31": _INDEX,
    "synth_assets.metrics.privacy.x_distance_privacy__mutmut_33": _INDEX,
    "synth_assets.metrics.privacy.x_distance_privacy__mutmut_34": _INDEX,
    "synth_assets.metrics.privacy.x__membership_attacks__mutmut_16": _INDEX,
    "synth_assets.metrics.privacy.x__membership_attacks__mutmut_18": _INDEX,
    "synth_assets.metrics.privacy.x__membership_attacks__mutmut_31": _INDEX,
    "synth_assets.metrics.privacy.x__membership_attacks__mutmut_54": _BOOL_LABELS,
    "synth_assets.metrics.privacy.x__membership_attacks__mutmut_56": _BOOL_LABELS,
    "synth_assets.metrics.privacy.x__membership_attacks__mutmut_58": _BOOL_LABELS,
    "synth_assets.metrics.privacy.x__membership_attacks__mutmut_60": _BOOL_LABELS,
    "synth_assets.metrics.privacy.x__percentile_interval__mutmut_6": (
        "rng.integers(n, size=s) is rng.integers(0, n, size=s) (a lone bound is the exclusive high): the same draws"
    ),
    "synth_assets.metrics.privacy.x__dcr_share__mutmut_100": "clip(x, None, top) for clip(x, 0, top): distances are never negative",
    "synth_assets.metrics.privacy.x__dcr_share__mutmut_114": "clip(x, None, top) for clip(x, 0, top): distances are never negative",
    "synth_assets.metrics.coverage.x_rare_category_ratio__mutmut_14": "astype(None) is astype(float64), and the ratios are float64 already",
    "synth_assets.metrics.coverage.x_tail_coverage__mutmut_34": "astype(None) is astype(float64)",
    "synth_assets.metrics.coverage.x_tail_coverage__mutmut_79": _ZIP_SAME_LENGTH,
    "synth_assets.metrics.coverage.x_tail_coverage__mutmut_83": _ZIP_SAME_LENGTH,
    "synth_assets.metrics.coverage.x_tail_coverage__mutmut_84": _ZIP_SAME_LENGTH,
    "synth_assets.metrics.coverage.x_tail_share_error__mutmut_2": (
        "the initial worst_gap is never read: `worst is None or gap > worst_gap` takes the first column without comparing"
    ),
    "synth_assets.stages.publish.x_clean_interrupted_publications__mutmut_7": (
        "`removed = [...]` for `removed += [...]`: removed is the empty list there, so both give the same list"
    ),
    "synth_assets.metrics.targeted.x_vulnerable_membership__mutmut_51": _INDEX,
    "synth_assets.metrics.targeted.x_vulnerable_membership__mutmut_53": _INDEX,
    "synth_assets.metrics.targeted.x_vulnerable_membership__mutmut_54": _INDEX,
    "synth_assets.metrics.targeted.x_exposed_near_copies__mutmut_31": _INDEX,
    "synth_assets.metrics.targeted.x_exposed_near_copies__mutmut_33": _INDEX,
    "synth_assets.metrics.targeted.x_exposed_near_copies__mutmut_34": _INDEX,
    "synth_assets.metrics.targeted.x_quasi_identifier_inference__mutmut_71": _INDEX,
    "synth_assets.metrics.targeted.x_quasi_identifier_inference__mutmut_73": _INDEX,
    "synth_assets.metrics.targeted.x_quasi_identifier_inference__mutmut_74": _INDEX,
    "synth_assets.metrics.targeted.x_quasi_identifier_inference__mutmut_112": (
        "pd.Series(dtype=None) is an empty object Series, like pd.Series(dtype=object): the look-up finds nothing either way"
    ),
    "synth_assets.metrics.targeted.x_near_copies__mutmut_11": (
        "max(n, 2) for max(n, 1): they differ only for 0 or 1 probes, where both ask np.quantile for a quantile above 1 and raise"
    ),
    "synth_assets.metrics.targeted.x_exposed_near_copies__mutmut_52": "replace=None for replace=False: Generator.choice only tests its truth",
    "synth_assets.metrics.targeted.x_exposed_near_copies__mutmut_86": (
        "own >= 0 for own > 0: a record with spacing 0 still needs distance < 0.2 * 0, which no distance is"
    ),
    "synth_assets.metrics.targeted.x_quasi_identifier_inference__mutmut_82": (
        "the tolerance of a categorical secret is never read: it only enters numeric comparisons"
    ),
    "synth_assets.metrics.targeted.x_random_guess_success__mutmut_28": "searchsorted's default side is 'left'",
    "synth_assets.metrics.targeted.x_vulnerable_membership__mutmut_74": "replace=None for replace=False: Generator.choice only tests its truth",
    "synth_assets.metrics.targeted.x_vulnerable_membership__mutmut_97": "NumPy reads the sort kind by its first letter, case-insensitively: 'STABLE' is 'stable'",
    "synth_assets.metrics.targeted.x__values__mutmut_4": (
        "labels() gives an object Series of strings (missing filled with a string): to_numpy() is object without asking"
    ),
    "synth_assets.metrics.targeted.x__lookup_guesses__mutmut_16": (
        "dropna over every column for dropna over `value`: the keys are uint64 row hashes, never missing"
    ),
    "synth_assets.metrics.targeted.x__lookup_guesses__mutmut_25": (
        "`or True` always takes np.nanmedian, which is NaN for no finite value too (the condition only spares its warning)"
    ),
    "synth_assets.metrics.targeted.x__lookup_guesses__mutmut_42": _ONE_ROW_PER_KEY,
    "synth_assets.metrics.targeted.x__lookup_guesses__mutmut_53": _ONE_ROW_PER_KEY,
    "synth_assets.metrics.targeted.x__hits__mutmut_12": _AS_FLOAT64,
    "synth_assets.metrics.targeted.x__lookup_guesses__mutmut_49": _ONE_ROW_PER_KEY,
    "synth_assets.metrics.targeted.x__lookup_guesses__mutmut_50": _ONE_ROW_PER_KEY,
    "synth_assets.metrics.targeted.x__lookup_guesses__mutmut_51": _ONE_ROW_PER_KEY,
}


def modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return [path.removesuffix(".py").replace("/", ".") for path in config["only_mutate"]]


def module_of(mutant: str, names: list[str]) -> str:
    """`synth_assets.storage.xǁDataRootǁwrite_bytes__mutmut_3` -> `synth_assets.storage`."""
    return max((n for n in names if mutant.startswith(n + ".")), key=len)


def main() -> None:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    if "--report-only" not in sys.argv:
        run_all(mutmut)
    report(mutmut)


def run_all(mutmut: str) -> None:
    # mutmut forks a worker per mutant from a process whose tests already started OpenMP's threads
    # (scikit-learn's boosted trees); a forked child then waits on them for ever (every detection
    # mutant "timed out"). One thread per library: nothing to wait on.
    single_threaded = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    subprocess.run([mutmut, "run"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=os.environ | single_threaded)


def report(mutmut: str) -> None:
    """Tabulate mutmut's recorded results (of the last run, and of any mutants re-run since)."""
    listing = subprocess.run([mutmut, "results", "--all", "true"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    names = modules()
    outcomes: dict[str, Counter] = {name: Counter() for name in names}
    survivors: dict[str, list[str]] = {name: [] for name in names}
    equivalent: dict[str, dict[str, str]] = {name: {} for name in names}
    seen = set()
    for line in listing.splitlines():
        mutant, _, status = line.strip().rpartition(": ")
        if not mutant:
            continue
        seen.add(mutant)
        module = module_of(mutant, names)
        if status == "survived" and mutant in EQUIVALENT:
            status = "equivalent"
            equivalent[module][mutant] = EQUIVALENT[mutant]
        outcomes[module][status] += 1
        if status == "survived":
            survivors[module].append(mutant)
    stale = sorted(m for m in EQUIVALENT if m not in seen or not any(m in e for e in equivalent.values()))

    lines = [
        "# Mutation testing of the safety core (mutmut 3.8.1, fast tests only)",
        "",
        "| module | mutants | killed | survived | no tests | timeout | equivalent | killed of all | killed of non-equivalent | killed of reached |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    summary = {}
    for module, counts in outcomes.items():
        total = sum(counts.values())
        killed, survived, same = counts["killed"], counts["survived"], counts["equivalent"]
        reached = killed + survived + counts["timeout"]
        summary[module] = dict(counts) | {"total": total, "non_equivalent": total - same}
        lines.append(
            f"| {module} | {total} | {killed} | {survived} | {counts['no tests']} | {counts['timeout']} | {same} | "
            f"{killed / total:.0%} | {killed / (total - same):.0%} | {f'{killed / reached:.0%}' if reached else 'none reached'} |"
            if total
            else f"| {module} | {total} | | | | | | | | |"
        )
    meeting = [m for m, c in summary.items() if c["total"] and c.get("killed", 0) / c["total"] >= TARGET]
    lines += [
        "",
        f"At or above {TARGET:.0%} killed over all mutants: {', '.join(meeting) or 'none yet'}. Untested mutants sit in",
        "code the fast tests do not reach (the end-to-end tests do, too slowly to run per mutant); the",
        "survivors are listed by name in the JSON file (`mutmut show NAME` prints each diff).",
        "",
        "Equivalent mutants (they cannot change behaviour; left out of the non-equivalent share):",
        "",
        *(f"- `{m}`: {reason}" for e in equivalent.values() for m, reason in e.items()),
    ]
    if stale:
        lines += ["", "Stale `EQUIVALENT` entries (killed, or no longer generated): " + ", ".join(f"`{m}`" for m in stale)]
    path = write_results("mutation", {"modules": summary, "survivors": survivors, "equivalent": equivalent, "stale_equivalent": stale}, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(path)


if __name__ == "__main__":
    main()
