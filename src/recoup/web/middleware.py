"""Keeping idle sessions alive without a database write on every request, and refusing NUL characters."""

from __future__ import annotations

import time

from django.http import HttpResponseBadRequest, JsonResponse

REFRESH_EVERY_SECONDS = 300


class SlidingSessionMiddleware:
    """Renew a signed-in session's expiry at most once every five minutes of activity.

    Sessions end after ``SESSION_COOKIE_AGE`` of idleness. Renewing on every request (Django's
    ``SESSION_SAVE_EVERY_REQUEST``) would write the session row on every page view, which on SQLite
    serialises all requests behind one write lock; renewing every five minutes keeps the timeout within
    five minutes of exact and the database quiet.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get("_renewed_at", 0) >= REFRESH_EVERY_SECONDS:
                session["_renewed_at"] = now  # marks the session modified: saved with a fresh expiry
        return response


class NulByteMiddleware:
    """Refuse text input containing NUL characters with a 400.

    PostgreSQL text cannot hold NUL, so a query parameter or JSON string with one would fail deep inside a
    query as a server error (SQLite would store it). Query strings and JSON bodies are checked; uploaded
    files (multipart) may hold any bytes and are left alone.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        bad = any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())
        if not bad and request.content_type == "application/json":
            bad = b"\\u0000" in request.body or b"\x00" in request.body
        if bad:
            message = "Text may not contain NUL (\\u0000) characters."
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "bad_request", "message": message, "detail": None}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
