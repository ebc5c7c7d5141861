"""Shared fixtures.

Tests that read ``../shared/data`` (public datasets beside the project on development machines and in
CI) skip with a reason when it is absent, as it is in a user's clone.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

pytest_plugins = ["tests.outreach.fixtures"]

PROJECT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (it sits beside the project only on development machines and CI)")
    return SHARED_DATA


@pytest.fixture
def org(db):
    from recoup.organisations.services import organisation_ensure_default

    organisation, _ = organisation_ensure_default(name="Test Dental")
    return organisation


@pytest.fixture
def as_of() -> date:
    return date(2026, 6, 30)
