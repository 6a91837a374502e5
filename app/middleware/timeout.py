"""A bound on the time one request may take: 408 if the body is still arriving, 504 if handling ran over.

The app runs as its own task so that the answer goes out on time even while a worker thread (inference) cannot be
interrupted; that thread finishes in the background and its late answer is dropped.
"""

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.middleware.responses import error_response

log = logging.getLogger(__name__)


def _retrieve(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("request failed after its timeout", exc_info=task.exception())


class RequestTimeoutMiddleware:
    def __init__(self, app: ASGIApp, timeout_s: float):
        self.app, self.timeout_s = app, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"body_done": False, "started": False, "timed_out": False}

        async def tracking_receive() -> Message:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                state["body_done"] = True
            return message

        async def guarded_send(message: Message) -> None:
            if state["timed_out"]:
                return
            state["started"] = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, tracking_receive, guarded_send))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.timeout_s)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if task in done:
            task.result()  # re-raises what the app raised
            return
        state["timed_out"] = True
        task.cancel()
        task.add_done_callback(_retrieve)
        if state["started"]:
            return  # part of the answer is out; the server closes the connection
        if state["body_done"]:
            metrics.REJECTED.labels("timeout").inc()
            message = f"request took longer than the limit of {self.timeout_s:g} s"
            await error_response(504, "timeout", message)(scope, receive, send)
        else:
            metrics.REJECTED.labels("slow_body").inc()
            message = f"request body was not received within the limit of {self.timeout_s:g} s"
            await error_response(408, "request_timeout", message, {"Connection": "close"})(scope, receive, send)
