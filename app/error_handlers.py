"""The one place where domain errors become HTTP responses."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import ModelNotReady, ServiceError


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}, "detail": message}


async def handle_service_error(request: Request, error: ServiceError) -> JSONResponse:
    headers = {"Retry-After": "5"} if isinstance(error, ModelNotReady) else None
    return JSONResponse(
        error_body(error.code, error.message, error.field), status_code=error.status_code, headers=headers
    )


async def handle_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """Missing or malformed form fields: name the field rather than dumping pydantic's internals."""
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        problems.append(f"{location}: {item.get('msg', 'invalid')}")
    first = error.errors()[0].get("loc", [None])[-1] if error.errors() else None
    return JSONResponse(error_body("invalid_request", "; ".join(problems), str(first)), status_code=422)


async def handle_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Routing errors (404, 405) and body-parse failures get the same envelope as domain errors."""
    code = "_".join(str(error.detail).lower().split()) if error.status_code < 500 else "server_error"
    return JSONResponse(error_body(code, str(error.detail)), status_code=error.status_code, headers=error.headers)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, handle_service_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
