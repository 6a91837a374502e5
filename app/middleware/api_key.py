"""Optional API key: when configured, every path except the probes needs it, compared in constant time."""

import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app import metrics
from app.middleware.responses import error_response

MISSING = "missing API key: send it in the X-API-Key header or as Authorization: Bearer <key>"
INVALID = "invalid API key"


def presented_key(headers: Headers) -> str | None:
    if key := headers.get("x-api-key"):
        return key
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, api_key: str, open_paths: frozenset[str] = frozenset()):
        self.app, self.open_paths = app, open_paths
        self.key = api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        presented = presented_key(Headers(scope=scope))
        if presented is None or not hmac.compare_digest(presented.encode(), self.key):
            metrics.REJECTED.labels("unauthorized").inc()
            message = MISSING if presented is None else INVALID
            response = error_response(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
