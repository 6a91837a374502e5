"""Domain errors of the integration endpoints; app.error_handlers maps every ServiceError to HTTP."""

from app.errors import ServiceError


class IntegrationOff(ServiceError):
    status_code = 404
    code = "integration_off"


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class NotAcceptable(ServiceError):
    status_code = 406
    code = "not_acceptable"
