"""Sensors: per dataset a drift sensor; the run-failure recorder."""

from sensors.drift import drift_sensor
from sensors.run_failure import record_run_failures

__all__ = ["drift_sensor", "record_run_failures"]
