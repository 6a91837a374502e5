"""A bound on requests handled at once: past it, answer 503 with Retry-After instead of queueing without bound."""

from starlette.types import ASGIApp, Receive, Scope, Send

from app import metrics
from app.middleware.responses import error_response

RETRY_AFTER_S = 1


class InFlightLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int, exempt_paths: frozenset[str] = frozenset()):
        self.app, self.limit, self.exempt_paths = app, limit, exempt_paths
        self.in_flight = 0  # one event loop per process, so a plain counter needs no lock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            metrics.REJECTED.labels("in_flight_limit").inc()
            message = f"server busy: {self.limit} requests in flight; retry after {RETRY_AFTER_S} s"
            await error_response(503, "server_busy", message, {"Retry-After": str(RETRY_AFTER_S)})(scope, receive, send)
            return
        self.in_flight += 1
        metrics.IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            metrics.IN_FLIGHT.dec()
