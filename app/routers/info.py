"""What the service runs on and which model versions it serves."""

from fastapi import APIRouter

from app.dependencies import RuntimeDep
from app.schemas import ServiceInfo, model_refs

router = APIRouter(prefix="/v1/info", tags=["models"])


@router.get("", response_model=ServiceInfo)
def read_info(runtime: RuntimeDep) -> ServiceInfo:
    """The device (GPU or CPU) and TensorFlow set-up the models run with, and their versions."""
    models = runtime.models
    return ServiceInfo(
        device=str(models.runtime_info.get("device", "unknown")),
        runtime=models.runtime_info,
        models=model_refs(models),
    )
