"""HTTP middleware: request id and access log, CORS, API key, in-flight bound, request timeout, body size bound."""

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from app.config import Settings
from app.middleware.access_log import AccessLogMiddleware
from app.middleware.api_key import ApiKeyMiddleware
from app.middleware.body_limit import BodyLimitMiddleware
from app.middleware.inflight import InFlightLimitMiddleware
from app.middleware.timeout import RequestTimeoutMiddleware
from app.viewer import PAGE_PATHS

PROBE_PATHS = frozenset({"/health/live", "/health/ready", "/v2/health/live", "/v2/health/ready"})
# Probes and scrapes must answer while the service is saturated, or a busy pod would be killed as dead.
UNBOUNDED_PATHS = PROBE_PATHS | {"/metrics"}
CORS_HEADERS = ["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"]
EXPOSED_HEADERS = ["X-Request-ID", "X-ICH-Probability", "X-ICH-Threshold", "X-ICH-Area-Pixels", "X-ICH-Dice"]


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: Starlette wraps each new middleware around those added before it."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestTimeoutMiddleware, timeout_s=settings.request_timeout_s)
    app.add_middleware(InFlightLimitMiddleware, limit=settings.max_inflight, exempt_paths=UNBOUNDED_PATHS)
    if settings.api_key is not None:
        key = settings.api_key.get_secret_value()
        app.add_middleware(ApiKeyMiddleware, api_key=key, open_paths=PROBE_PATHS | PAGE_PATHS)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=CORS_HEADERS,
            expose_headers=EXPOSED_HEADERS,
        )
    app.add_middleware(AccessLogMiddleware, quiet_paths=UNBOUNDED_PATHS)
