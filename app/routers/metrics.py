"""Prometheus scrape endpoint."""

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.dependencies import RuntimeDep
from app.metrics import update_model_metrics

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def read_metrics(runtime: RuntimeDep) -> Response:
    """Request counts and latency, batch sizes, queue depth and model load state, in Prometheus text format."""
    update_model_metrics(runtime)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
