"""Template context every page needs: the organisation being worked on and the user's role in it."""

from __future__ import annotations


def workspace(request) -> dict:
    return {
        "organisation": getattr(request, "organisation", None),
        "membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
    }
