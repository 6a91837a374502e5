"""Jobs of the DICOM integration: status and answer, retry of failed deliveries, purge of received instances."""

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from app.dependencies import SettingsDep
from app.errors import Forbidden
from app.integration.errors import IntegrationOff, NotFound
from app.integration.schemas import DeliveryOut, EventOut, JobOut, PurgeOut, ResultOut, RetryOut

if TYPE_CHECKING:  # the job store (SQLAlchemy) loads only when the integration is on, not with every router
    from app.integration.service import Integration

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


def get_integration(request: Request) -> "Integration":
    integration = getattr(request.app.state, "integration", None)
    if integration is None:
        raise IntegrationOff("the DICOM integration is off: start the service with ICH_INTEGRATION=true")
    return integration


IntegrationDep = Annotated["Integration", Depends(get_integration)]


def wado_url(study: str, series: str, sop: str) -> str:
    return f"/dicomweb/studies/{study}/series/{series}/instances/{sop}"


def job_view(integration: "Integration", job_id: int) -> JobOut:
    job = integration.store.job(job_id)
    if job is None:
        raise NotFound(f"no job {job_id}", "job_id")
    results = [
        ResultOut(
            kind=r.kind,
            sop_class_uid=r.sop_class_uid,
            study_instance_uid=r.study_uid,
            series_instance_uid=r.series_uid,
            sop_instance_uid=r.sop_uid,
            url=wado_url(r.study_uid, r.series_uid, r.sop_uid),
        )
        for r in integration.store.results(job_id=job_id)
    ]
    deliveries = [
        DeliveryOut(
            destination=d.destination,
            status=d.status,
            attempts=d.attempts,
            last_error=d.last_error,
            next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
            delivered_at=d.delivered_at,
        )
        for d in integration.deliveries.of_job(job_id)
    ]
    events = [
        EventOut(at=e.at, event=e.event, detail=json.loads(e.detail) if e.detail else None)
        for e in integration.store.events(job_id)
    ]
    return JobOut(
        id=job.id,
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        source=job.source,
        study_instance_uid=job.study_uid,
        series_instance_uid=job.series_uid,
        attempts=job.attempts,
        error=job.error,
        created_at=job.created_at,
        updated_at=job.updated_at,
        selection=json.loads(job.selection) if job.selection else None,
        answer=json.loads(job.answer) if job.answer else None,
        results=results,
        deliveries=deliveries,
        events=events,
    )


@router.get("/{job_id}", response_model=JobOut, responses={404: {}})
async def read_job(job_id: int, integration: IntegrationDep) -> JobOut:
    """A job's status, progress and errors; once done, the answer, the DICOM results and their deliveries."""
    return await run_in_threadpool(job_view, integration, job_id)


@router.post("/{job_id}/deliveries/retry", response_model=RetryOut, responses={404: {}})
async def retry_deliveries(job_id: int, integration: IntegrationDep) -> RetryOut:
    """Send a job's failed deliveries again, with a fresh count of attempts."""
    if await run_in_threadpool(integration.store.job, job_id) is None:
        raise NotFound(f"no job {job_id}", "job_id")
    return RetryOut(requeued=await run_in_threadpool(integration.deliveries.retry, job_id))


@router.post("/purge", response_model=PurgeOut, responses={403: {}, 404: {}})
async def purge_received(
    integration: IntegrationDep,
    settings: SettingsDep,
    older_than_hours: Annotated[float | None, Query(ge=0, description="default: ICH_RETENTION_HOURS")] = None,
) -> PurgeOut:
    """Delete received instances of finished jobs older than the retention; needs the API key."""
    if settings.api_key is None:
        raise Forbidden("purge is disabled: set ICH_API_KEY to enable it")
    age = timedelta(hours=older_than_hours) if older_than_hours is not None else None
    return PurgeOut(purged_files=await run_in_threadpool(integration.purge, age))
