"""Error responses sent by middleware, in the same JSON shape as app.error_handlers."""

from starlette.responses import JSONResponse

from app.error_handlers import error_body


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)
