"""Administration: load new model versions without a restart."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from app.dependencies import RuntimeDep, SettingsDep
from app.errors import Forbidden, ReloadFailed
from app.schemas import ModelRef, ReloadResult, model_refs

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post("/reload", response_model=ReloadResult, responses={403: {}, 409: {}})
async def reload_models(runtime: RuntimeDep, settings: SettingsDep) -> ReloadResult:
    """Load the store's highest (or pinned) versions, warm them up, then switch; a failure keeps the old ones."""
    if settings.api_key is None:
        raise Forbidden("admin endpoints are disabled: set ICH_API_KEY to enable them")
    if not await run_in_threadpool(runtime.load):
        serving = ", ".join(f"{m.name} {m.version}" for m in _serving(runtime)) or "nothing"
        raise ReloadFailed(f"{runtime.error}; still serving {serving}")
    return ReloadResult(models=_serving(runtime))


def _serving(runtime) -> list[ModelRef]:
    if not runtime.ready:
        return []
    models = runtime.models
    return model_refs(models)
