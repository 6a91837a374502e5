"""JSON log lines on stderr, each with the request id of the request that wrote it.

Log calls pass structured `extra` fields; nothing here inspects messages, so callers must never log patient data
or upload file names (the access log writes route templates, not raw paths).
"""

import json
import logging
import sys
from datetime import UTC, datetime

import cv2

from app.middleware.request_id import current_request_id

# Attributes every LogRecord has; anything else on a record came from `extra=` and is written as a field.
# uvicorn's color_message repeats the message with terminal colour codes.
STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "color_message"}
# uvicorn's own access line duplicates ours and carries the raw path and query string.
SILENCED = {"uvicorn.access": logging.WARNING}
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class RequestIdFilter(logging.Filter):
    """Stamps the request id when the record is made, in the caller's context (worker threads inherit it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({key: value for key, value in record.__dict__.items() if key not in STANDARD_ATTRS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Route every logger, uvicorn's included, through one JSON handler on the root logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # Python warnings become JSON lines too
    # OpenCV writes plain-text warnings for every corrupt upload straight to stderr; the 400 already says it all.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(SILENCED.get(name, logging.NOTSET))
