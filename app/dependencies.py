"""Shared route dependencies as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.serving.runtime import ModelRuntime


def get_runtime(request: Request) -> ModelRuntime:
    return request.app.state.runtime


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


RuntimeDep = Annotated[ModelRuntime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
