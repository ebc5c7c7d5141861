from __future__ import annotations

import pytest

from recoup.accounts.services import user_add
from recoup.organisations.services import organisation_create

PASSWORD = "correct horse battery"


@pytest.fixture
def owner(org):
    return user_add(email="owner@example.com", password=PASSWORD, organisation=org, role="owner")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def other_org(db):
    """A second organisation with its own collector: nothing of it may be visible from the first."""
    organisation = organisation_create(slug="rival", name="Rival Supply")
    user_add(email="rival@example.com", password=PASSWORD, organisation=organisation, role="collector")
    return organisation
