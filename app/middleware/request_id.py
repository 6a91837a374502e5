"""The id of the request being handled, for log lines and the X-Request-ID response header."""

import re
import uuid
from contextvars import ContextVar

HEADER = "x-request-id"
# An upstream proxy's id (nginx $request_id is 32 hex digits) is kept so that logs join up; anything else is
# replaced, because a free-text header could carry an accession number or a name into our logs.
UPSTREAM_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def choose_request_id(upstream: str | None) -> str:
    if upstream and UPSTREAM_ID.fullmatch(upstream.lower()):
        return upstream.lower()
    return uuid.uuid4().hex


def bind_request_id(request_id: str):
    """Set the id for the current context; returns the token to reset it with."""
    return _request_id.set(request_id)


def reset_request_id(token) -> None:
    _request_id.reset(token)
