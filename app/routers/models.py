"""Metadata of the served models."""

from fastapi import APIRouter

from app.dependencies import RuntimeDep
from app.schemas import ModelCards

router = APIRouter(prefix="/v1/models", tags=["models"])


@router.get("", response_model=ModelCards)
def read_models(runtime: RuntimeDep) -> ModelCards:
    """The card of each served model: version, training data, preprocessing, threshold and held-out metrics."""
    models = runtime.models
    return ModelCards(models=[version.card.as_dict() for version in models.versions])
