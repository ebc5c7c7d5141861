"""Start Django from the command line or a script, with a chosen database URL."""

from __future__ import annotations

import os


def setup_django(database_url: str | None = None) -> None:
    """Configure Django once. ``database_url`` overrides ``DATABASE_URL`` for this process."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recoup.config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
