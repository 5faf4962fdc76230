"""Jobs and schedules: one regenerate job and one nightly schedule per catalog dataset."""

from jobs.regenerate import regenerate_job, regenerate_job_name, nightly_schedule

__all__ = ["nightly_schedule", "regenerate_job", "regenerate_job_name"]
