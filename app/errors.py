"""Domain errors. Pipeline and model code raise these; app.error_handlers maps them to HTTP in one place."""


class ServiceError(Exception):
    """Base class: a message safe to show the caller (no patient data, no internals)."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    status_code = 400
    code = "invalid_input"


class UnsupportedImage(ServiceError):
    status_code = 415
    code = "unsupported_image"


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "payload_too_large"


class ModelNotReady(ServiceError):
    status_code = 503
    code = "model_not_ready"


class Forbidden(ServiceError):
    status_code = 403
    code = "forbidden"


class ReloadFailed(ServiceError):
    status_code = 409
    code = "reload_failed"
