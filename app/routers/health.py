"""Liveness and readiness probes, with KServe v2 aliases."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.dependencies import RuntimeDep
from app.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health/live", response_model=Health)
@router.get("/v2/health/live", response_model=Health, include_in_schema=False)
def read_liveness() -> Health:
    """The process is up and answering."""
    return Health(status="live")


@router.get("/health/ready", response_model=Health, responses={503: {"model": Health}})
@router.get("/v2/health/ready", response_model=Health, include_in_schema=False)
def read_readiness(runtime: RuntimeDep):
    """Ready once both models are loaded and warmed up; 503 until then or after a failed load."""
    if runtime.ready:
        return Health(status="ready")
    return JSONResponse(Health(status="not_ready", detail=runtime.error or "loading").model_dump(), status_code=503)
