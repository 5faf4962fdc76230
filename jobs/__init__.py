"""Jobs and schedules: per dataset a regenerate job and a nightly schedule; the retention job."""

from jobs.regenerate import nightly_schedule, regenerate_job, regenerate_job_name
from jobs.retention import retention_job, retention_schedule

__all__ = ["nightly_schedule", "regenerate_job", "regenerate_job_name", "retention_job", "retention_schedule"]
