"""Prometheus metrics of the DICOM integration, on the registry that /metrics exposes."""

from prometheus_client import Counter, Histogram

RECEIVED = Counter("ich_dicom_instances_received_total", "DICOM instances stored for analysis, by way in.", ["source"])
IGNORED = Counter(
    "ich_dicom_instances_ignored_total", "DICOM instances received and not kept, by reason.", ["source", "reason"]
)
REJECTED = Counter("ich_dicom_rejected_total", "Associations or STOW parts refused, by reason.", ["source", "reason"])
JOBS = Counter("ich_jobs_total", "Jobs that ended, by status (done, failed).", ["status"])
JOB_SECONDS = Histogram(
    "ich_job_duration_seconds", "Claim to end of analysis, per job.", buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
)
DELIVERIES = Counter("ich_deliveries_total", "Delivery attempts, by outcome (delivered, retry, failed).", ["outcome"])
