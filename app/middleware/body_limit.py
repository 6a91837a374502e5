"""A bound on request body bytes, checked on Content-Length first and then counted while the body streams in.

An oversized body is refused as soon as it passes the limit; the rest is never read, and the connection is closed
so that a client still sending cannot keep it busy.
"""

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.middleware.responses import error_response

CLOSE = {"Connection": "close"}


class BodyTooLarge(Exception):
    """Raised from receive(); the app's own answer to it (FastAPI turns parse errors into 400) is replaced."""


def too_large(limit: int, length: int | None = None):
    metrics.REJECTED.labels("body_too_large").inc()
    size = f"of {length} bytes " if length is not None else ""
    return error_response(413, "payload_too_large", f"request body {size}is over the limit of {limit} bytes", CLOSE)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                bad = error_response(400, "invalid_request", "Content-Length header is not a number", CLOSE)
                await bad(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await too_large(self.max_bytes, int(declared))(scope, receive, send)
                return
        state = {"received": 0, "over": False, "answered": False}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_bytes:
                    state["over"] = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            if not state["over"]:
                await send(message)
            elif message["type"] == "http.response.start" and not state["answered"]:
                state["answered"] = True
                await too_large(self.max_bytes)(scope, receive, send)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not state["answered"]:
                state["answered"] = True
                await too_large(self.max_bytes)(scope, receive, send)
