"""Request id, one JSON access-log line and the request metrics, for every HTTP request."""

import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.middleware.request_id import bind_request_id, choose_request_id, reset_request_id
from app.middleware.responses import error_response

log = logging.getLogger("app.access")
UNMATCHED = "<unmatched>"


def route_template(scope: Scope, known_paths: frozenset[str]) -> str:
    """The template of the route that handled the request: a bounded label set, and no caller-typed text in logs.

    Requests answered by a middleware before routing (401, 413, 503) fall back to their path when it is a known one.
    """
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return route.path
    return scope["path"] if scope["path"] in known_paths else UNMATCHED


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, quiet_paths: frozenset[str] = frozenset()):
        self.app = app
        self.quiet_paths = quiet_paths  # probes and scrapes: logged at DEBUG so they do not drown the log
        self.known_paths: frozenset[str] | None = None

    def paths_of(self, app) -> frozenset[str]:
        if self.known_paths is None:
            schema_paths = app.openapi()["paths"] if hasattr(app, "openapi") else {}
            self.known_paths = frozenset(schema_paths) | self.quiet_paths
        return self.known_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = choose_request_id(Headers(scope=scope).get("x-request-id"))
        token = bind_request_id(request_id)
        start = time.perf_counter()
        seen = {"status": 500, "bytes_in": 0, "bytes_out": 0}  # 500 stands if the app raises before answering
        started = False

        async def counting_receive() -> Message:
            message = await receive()
            seen["bytes_in"] += len(message.get("body", b""))
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                seen["status"] = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            elif message["type"] == "http.response.body":
                seen["bytes_out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_id)
        except Exception:
            if started:
                raise  # part of an answer is out: let the server close the connection
            # A bug, not a bad input: one JSON line with the traceback, and a JSON answer without internals.
            log.exception("unhandled error", extra={"endpoint": route_template(scope, self.paths_of(scope.get("app")))})
            message = f"internal error; quote request id {request_id}"
            await error_response(500, "internal_error", message)(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            endpoint = route_template(scope, self.paths_of(scope.get("app")))
            metrics.REQUESTS.labels(endpoint, scope["method"], str(seen["status"])).inc()
            metrics.LATENCY.labels(endpoint, scope["method"]).observe(elapsed)
            level = logging.DEBUG if scope["path"] in self.quiet_paths else logging.INFO
            log.log(
                level,
                "request",
                extra={"method": scope["method"], "endpoint": endpoint, **seen, "duration_ms": round(elapsed * 1e3, 2)},
            )
            reset_request_id(token)
