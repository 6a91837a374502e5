"""JSON log lines on stderr, each with the request id of the request that wrote it.

Log calls pass structured `extra` fields; nothing here inspects the service's own messages, so callers must never log
patient data or upload file names (the access log writes route templates, not raw paths). Only the DICOM libraries'
lines and exception messages are cut: quoted values (pydicom's warnings, tracebacks) and pynetdicom's message dumps.
"""

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime

import cv2

from app.middleware.request_id import current_request_id

# Attributes every LogRecord has; anything else on a record came from `extra=` and is written as a field.
# uvicorn's color_message repeats the message with terminal colour codes.
STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "color_message"}
# uvicorn's own access line duplicates ours and carries the raw path and query string. pynetdicom's DEBUG lines dump
# each DIMSE message, SOP Instance UIDs included; its INFO lines name no instance.
SILENCED = {"uvicorn.access": logging.WARNING, "pynetdicom": logging.INFO}
# The DICOM libraries quote a malformed value in their warnings and errors: a patient's UID, name or birth date.
QUOTED_VALUE = re.compile(r"'[^']*'|\"[^\"]*\"")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class RequestIdFilter(logging.Filter):
    """Stamps the request id when the record is made, in the caller's context (worker threads inherit it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def _cut_values(text: str) -> str:
    return QUOTED_VALUE.sub("<redacted>", text)


def _from_pydicom(record: logging.LogRecord, message: str) -> bool:
    """pydicom's own logger, or a Python warning raised in its code (captureWarnings names the file)."""
    return record.name.startswith("pydicom") or (record.name == "py.warnings" and "pydicom" in message)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _cut_values(message) if _from_pydicom(record, message) else message,
            "request_id": getattr(record, "request_id", None),
        }
        line.update({key: value for key, value in record.__dict__.items() if key not in STANDARD_ATTRS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)

    def formatException(self, exc_info) -> str:
        """The traceback with quoted values cut from its exception messages, since a library's message may quote a
        DICOM value ("could not convert string to float: '…'"); its frames and source lines stay whole."""
        parts = traceback.format_exception(*exc_info)
        return "".join(part if part.startswith("  ") else _cut_values(part) for part in parts)


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
        logger.setLevel(logging.NOTSET)
    for name, quieter in SILENCED.items():
        logging.getLogger(name).setLevel(quieter)
