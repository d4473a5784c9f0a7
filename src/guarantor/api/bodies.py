"""Request bodies read strictly and errors answered safely: every malformed request is a 4xx with a
JSON body that holds only text any encoder can write.

- Bodies are parsed by `guarantor.ledger.payload.parse_strict`: NaN, Infinity, numbers that
  overflow to infinity and integers beyond 64 bits are refused as malformed JSON (422), not
  carried into validation.
- Validation errors are answered without the input that failed (it may be what cannot be
  encoded: a lone surrogate, a NaN), and every string in an error is made encodable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from guarantor.errors import UserError
from guarantor.ledger.chain import LedgerConflict
from guarantor.ledger.payload import parse_strict

MAX_ERRORS = 20


class StrictJSONRequest(Request):
    """A request whose JSON body is parsed by the ledger's strict parser."""

    async def json(self) -> Any:
        """The body as JSON; json.JSONDecodeError (422 json_invalid) for anything not plain JSON."""
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = parse_strict(body)
            except json.JSONDecodeError:
                raise
            except RecursionError:
                raise json.JSONDecodeError("nested too deeply", "", 0) from None
            except (ValueError, UnicodeDecodeError) as exc:
                raise json.JSONDecodeError(str(exc), "", 0) from None
        return self._json


class StrictJSONRoute(APIRoute):
    """A route that hands its handler a StrictJSONRequest."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The FastAPI handler, fed strict requests."""
        handler = super().get_route_handler()
        if self.methods and self.methods <= {"GET", "HEAD"}:
            return handler  # no body to read: no wrapper on the hot read paths

        async def strict(request: Request) -> Response:
            if request.method in ("GET", "HEAD"):  # no body to read
                return await handler(request)
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict


def safe_text(value: Any, limit: int = 500) -> str:
    """Any value as text an encoder can write: lone surrogates and controls escaped, length capped."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = "".join(
        ch if ch >= " " and not "\x7f" <= ch <= "\x9f" else ch.encode("unicode_escape").decode()
        for ch in text[:limit]
    )
    return text + ("…" if len(value if isinstance(value, str) else text) > limit else "")


def _safe(value: Any, depth: int = 0) -> Any:
    """An error detail with every string made encodable and nothing but JSON types."""
    if depth > 6:
        return safe_text(value)
    if value is None or (isinstance(value, bool | int) and -(2**53) <= int(value) <= 2**53):
        return value
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(k, 100): _safe(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [_safe(v, depth + 1) for v in list(value)[:50]]
    return safe_text(value)


def json_error(status: int, detail: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON error response that can always be encoded."""
    return Response(
        orjson.dumps({"detail": _safe(detail)}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors without their input: type, where and why only."""
    out: list[dict[str, Any]] = []
    for err in list(errors)[:MAX_ERRORS]:
        item: dict[str, Any] = {
            "type": err.get("type"),
            "loc": list(err.get("loc", ())),
            "msg": err.get("msg"),
        }
        ctx = err.get("ctx")
        if isinstance(ctx, dict) and "error" in ctx:
            item["ctx"] = {"error": str(ctx["error"])}
        out.append(item)
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error the client can cause with a safe 4xx (409, 422, 503 when the database is busy)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        return json_error(422, validation_errors(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        return json_error(exc.status_code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(LedgerConflict)
    async def _conflict(_request: Request, exc: LedgerConflict) -> Response:
        return json_error(409, str(exc))

    @app.exception_handler(UserError)
    async def _user_error(_request: Request, exc: UserError) -> Response:
        return json_error(422, str(exc))

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, exc: OperationalError) -> Response:
        return json_error(503, f"database unavailable, retry: {exc.orig}")
