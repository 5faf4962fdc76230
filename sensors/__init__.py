"""Sensors: the run-failure recorder (drift sensors arrive with their own issue)."""

from sensors.run_failure import record_run_failures

__all__ = ["record_run_failures"]
