"""Service settings, read once from ICH_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ICH_", env_file=".env", extra="ignore")

    model_store: Path = Path("model_store")
    classifier_name: str = "ich_classifier"
    segmenter_name: str = "ich_segmenter"
    host: str = "127.0.0.1"
    port: int = 8000
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="overrides the classifier card's threshold")
    max_upload_bytes: int = Field(64 * 1024 * 1024, gt=0)
    max_image_pixels: int = Field(4096 * 4096, gt=0)

    @field_validator("model_store")
    @classmethod
    def store_exists(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"model store {value} is not a directory")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
