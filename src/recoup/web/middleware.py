"""Keeping idle sessions alive without a database write on every request."""

from __future__ import annotations

import time

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
