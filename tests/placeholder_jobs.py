"""Jobs that do nothing, named like the pipeline's: runs of them stand for real runs in tests of
what the run lock and the drift decision read from the instance (job names and run tags only)."""

import dagster as dg


@dg.op
def _noop():
    return None


@dg.job
def regenerate_adult():
    _noop()


@dg.job
def bakeoff_adult():
    _noop()


@dg.job
def regenerate_census():
    _noop()
