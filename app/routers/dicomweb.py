"""DICOMweb: STOW-RS in (each study becomes a job), WADO-RS out (the SEG, SR and captures the jobs produced)."""

import json
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.integration import multipart
from app.integration.errors import NotAcceptable, NotFound
from app.routers.jobs import IntegrationDep

if TYPE_CHECKING:
    from app.integration.service import Integration

router = APIRouter(prefix="/dicomweb", tags=["dicomweb"])
DICOM_JSON = "application/dicom+json"


@router.post("/studies", responses={200: {}, 202: {}, 400: {}, 404: {}, 409: {}, 415: {}})
async def store_instances(request: Request, integration: IntegrationDep) -> Response:
    """STOW-RS (PS3.18 10.5): store CT instances for analysis; the response's Location is the job (one per study)."""
    from app.integration.stow import store_parts  # here, not at import: it loads SQLAlchemy, needed only when on

    boundary = multipart.boundary_of(request.headers.get("content-type", ""))
    parts = multipart.split_parts(await request.body(), boundary)
    outcome = await run_in_threadpool(store_parts, integration.store, parts)
    base = str(request.base_url).rstrip("/")
    headers = {}
    if outcome.jobs:
        links = [f'</v1/jobs/{job}>; rel="monitor"' for job in outcome.jobs.values()]
        headers = {"Location": f"/v1/jobs/{next(iter(outcome.jobs.values()))}", "Link": ", ".join(links)}
    content = json.dumps(outcome.response(base)).encode()
    return Response(content, status_code=outcome.status_code, media_type=DICOM_JSON, headers=headers)


def _multipart(request: Request, integration: "Integration", results) -> Response:
    accept = request.headers.get("accept", "*/*").lower()
    if not any(kind in accept for kind in ("application/dicom", "multipart/related", "*/*")):
        raise NotAcceptable(f'WADO-RS here returns multipart/related; type="application/dicom", not {accept}', "Accept")
    if not results:
        raise NotFound("no instances produced by this service match", "path")
    body, content_type = multipart.build([integration.store.read(r) for r in results])
    return Response(content=body, media_type=content_type)


@router.get("/studies/{study}", responses={404: {}, 406: {}})
async def retrieve_study(study: str, request: Request, integration: IntegrationDep) -> Response:
    """WADO-RS: every object this service produced for the study."""
    return _multipart(request, integration, await run_in_threadpool(integration.store.results, study_uid=study))


@router.get("/studies/{study}/series/{series}", responses={404: {}, 406: {}})
async def retrieve_series(study: str, series: str, request: Request, integration: IntegrationDep) -> Response:
    """WADO-RS: a produced series (the SEG, the SR or the capture)."""
    results = await run_in_threadpool(integration.store.results, study_uid=study, series_uid=series)
    return _multipart(request, integration, results)


@router.get("/studies/{study}/series/{series}/instances/{sop}", responses={404: {}, 406: {}})
async def retrieve_instance(
    study: str, series: str, sop: str, request: Request, integration: IntegrationDep
) -> Response:
    """WADO-RS: one produced instance."""
    results = await run_in_threadpool(integration.store.results, study_uid=study, series_uid=series, sop_uid=sop)
    return _multipart(request, integration, results)
