"""One error shape for the whole API: ``{"code": ..., "message": ..., "detail": ...}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from recoup.activity.services import ActivityError
from recoup.core.currency import UnknownCurrencyError
from recoup.core.money import MoneyError
from recoup.ledger.services import LedgerConflict, LedgerError


class ApiError(Exception):
    """A request the API understood but will not carry out."""

    def __init__(self, status: int, code: str, message: str, detail=None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def install(api: NinjaAPI) -> None:
    def reply(request, status: int, code: str, message: str, detail=None):
        return api.create_response(request, {"code": code, "message": message, "detail": detail}, status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return reply(request, exc.status, exc.code, exc.message, exc.detail)

    @api.exception_handler(NinjaValidationError)
    def invalid(request, exc: NinjaValidationError):
        return reply(request, 422, "invalid", "The request is not valid.", exc.errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return reply(request, 401, "unauthenticated", "Send a valid token: Authorization: Bearer TOKEN.")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return reply(request, 404, "not_found", str(exc) or "Not found.")

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return reply(request, 403, "forbidden", str(exc) or "Your role does not allow this.")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return reply(request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(UnknownCurrencyError)
    def unknown_currency(request, exc):
        return reply(request, 422, "invalid", str(exc))

    @api.exception_handler(LedgerConflict)
    def conflict(request, exc):
        return reply(request, 409, "conflict", str(exc))

    @api.exception_handler(LedgerError)
    @api.exception_handler(ActivityError)
    @api.exception_handler(MoneyError)
    def rejected(request, exc):
        return reply(request, 400, "rejected", str(exc))
