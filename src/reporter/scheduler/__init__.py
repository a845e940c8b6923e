"""The scheduler: when jobs fire (triggers), which jobs feeds.yaml asks for (plan), the process (runner).

`run_in_foreground` is `reporter schedule`; `next_runs` is `reporter status`.
"""

from reporter.scheduler.plan import MAX_ATTEMPTS, Changes, JobPlan, plan_jobs, reconcile, schedule_retries
from reporter.scheduler.runner import (
    JOBS_TABLE,
    NextRun,
    Runner,
    SafeScheduler,
    make_scheduler,
    next_runs,
    run_in_foreground,
)
from reporter.scheduler.triggers import DstSafeCronTrigger, build_trigger, describe_trigger, ingest_trigger

__all__ = [
    "JOBS_TABLE",
    "MAX_ATTEMPTS",
    "Changes",
    "DstSafeCronTrigger",
    "JobPlan",
    "NextRun",
    "Runner",
    "SafeScheduler",
    "build_trigger",
    "describe_trigger",
    "ingest_trigger",
    "make_scheduler",
    "next_runs",
    "plan_jobs",
    "reconcile",
    "run_in_foreground",
    "schedule_retries",
]
