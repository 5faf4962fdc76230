"""Jobs and schedules: per dataset a regenerate job, a nightly schedule and an optional bake-off; the retention job."""

from jobs.bakeoff import bakeoff_job, bakeoff_job_name
from jobs.regenerate import nightly_schedule, regenerate_job, regenerate_job_name
from jobs.retention import retention_job, retention_schedule

__all__ = [
    "bakeoff_job",
    "bakeoff_job_name",
    "nightly_schedule",
    "regenerate_job",
    "regenerate_job_name",
    "retention_job",
    "retention_schedule",
]
