"""The FastAPI application: wiring only."""

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from app.config import Settings, get_settings
from app.error_handlers import add_error_handlers
from app.logging_config import configure_logging
from app.middleware import add_middleware
from app.routers import admin, dicomweb, health, info, jobs, metrics, models, overlay, predict, series, viewer
from app.serving.fast_path import accelerated
from app.serving.loading import resolved_versions, store_loader
from app.serving.runtime import ModelRuntime


def create_app(settings: Settings | None = None, runtime: ModelRuntime | None = None) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or ModelRuntime(accelerated(store_loader(settings), settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Load in the background: liveness answers at once, readiness once the models are warm.
        if not runtime.ready:
            runtime.load_in_background()
        stop_polling = threading.Event()
        if settings.reload_poll_s > 0:
            poll_args = (lambda: resolved_versions(settings), settings.reload_poll_s, stop_polling)
            threading.Thread(target=runtime.poll_store, args=poll_args, name="store-poll", daemon=True).start()
        if settings.integration:  # DICOM in and out: the job store, its worker and retention (docs/integration.md)
            # Imported here: SQLAlchemy and the job store cost start-up time that a service without them need not pay.
            from app.integration.service import open_integration, start_threads

            app.state.integration = open_integration(settings)
            start_threads(app.state.integration, runtime, settings)
        yield
        stop_polling.set()
        if app.state.integration is not None:
            app.state.integration.close()

    # Swagger UI and ReDoc assets are served from the installed package: hospitals are often air-gapped.
    app = FastAPIOffline(
        title="Intracranial hemorrhage detection and segmentation",
        description="CT slice in; hemorrhage probability, subtypes, mask PNG and Dice out. **Not for clinical use.**",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings, app.state.runtime, app.state.integration = settings, runtime, None
    add_error_handlers(app)
    add_middleware(app, settings)
    for router in (
        health.router,
        models.router,
        predict.router,
        overlay.router,
        series.router,
        metrics.router,
        admin.router,
        info.router,
        viewer.router,
        jobs.router,
        dicomweb.router,
    ):
        app.include_router(router)
    return app


def __getattr__(name: str) -> FastAPI:
    """`uvicorn app.main:app` builds the app on first access, so importing this module needs no model store."""
    if name == "app":
        settings = get_settings()
        configure_logging(settings.log_level)
        return create_app(settings)
    raise AttributeError(name)
