from __future__ import annotations

import pytest

from recoup.accounts.services import token_create, user_add

PASSWORD = "correct horse battery"


@pytest.fixture
def token(org):
    user = user_add(email="api@example.com", password=PASSWORD, organisation=org, role="owner")
    return token_create(user=user, name="tests")[1]


@pytest.fixture
def api(client, token):
    """A test client that sends the bearer token."""

    class Api:
        def __init__(self, bearer: str) -> None:
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}

        def get(self, path, data=None):
            return client.get(f"/api/v1{path}", data, **self.headers)

        def post(self, path, body):
            return client.post(f"/api/v1{path}", body, content_type="application/json", **self.headers)

        def patch(self, path, body):
            return client.patch(f"/api/v1{path}", body, content_type="application/json", **self.headers)

    return Api(token)
