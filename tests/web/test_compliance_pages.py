"""The compliance panel on the customer page, the debtor-facts forms, and the monthly compliance page."""

from __future__ import annotations

import pytest

from recoup.accounts.services import user_add
from recoup.compliance.models import BlockedContact, ContactPermission, DebtorProfile
from tests.compliance.conftest import debtor  # noqa: F401  (fixture)
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_customer_page_shows_what_may_be_done_now(owner_client, org, debtor):  # noqa: F811
    page = owner_client.get(f"/o/{org.slug}/customers/{debtor.pk}/").content.decode()
    assert "Contact rules now" in page and "America/New_York" in page
    assert "T1" in page  # texts need consent
    assert "Debtor facts" in page and "Opt-outs and consent" in page


def test_recording_a_stop_request_blocks_contact_and_is_shown(owner_client, org, debtor):  # noqa: F811
    base = f"/o/{org.slug}/customers/{debtor.pk}/"
    response = owner_client.post(base + "facts/", {"cease": "on", "inconvenient_times": "Mon-Fri 12:00-13:30 lunch"})
    assert response.status_code == 302
    profile = DebtorProfile.objects.get(customer=debtor)
    assert profile.cease_requested_at is not None
    assert profile.inconvenient_times == [{"days": [0, 1, 2, 3, 4], "start": "12:00", "end": "13:30", "note": "lunch"}]
    page = owner_client.get(base).content.decode()
    assert "asked to stop contact" in page and "F6" in page
    # Unticking withdraws it.
    owner_client.post(base + "facts/", {"inconvenient_times": "Mon-Fri 12:00-13:30 lunch"})
    assert DebtorProfile.objects.get(customer=debtor).cease_requested_at is None


def test_a_bad_inconvenient_time_is_shown_next_to_the_field(owner_client, org, debtor):  # noqa: F811
    response = owner_client.post(f"/o/{org.slug}/customers/{debtor.pk}/facts/", {"inconvenient_times": "lunch"})
    assert response.status_code == 400
    assert "Mon-Fri 12:00-13:30" in response.content.decode() and 'role="alert"' in response.content.decode()
    assert not DebtorProfile.objects.filter(customer=debtor).exists()


def test_consent_is_recorded_and_ended(owner_client, org, debtor):  # noqa: F811
    base = f"/o/{org.slug}/customers/{debtor.pk}/"
    response = owner_client.post(
        base + "permissions/", {"kind": "consent", "channel": "sms", "address": "", "source": "intake form"}
    )
    assert response.status_code == 302
    permission = ContactPermission.objects.get(customer=debtor)
    assert "T1" not in owner_client.get(base).content.decode().split("Contact rules now")[1].split("Facts:")[0]
    assert owner_client.post(base + f"permissions/{permission.pk}/end/").status_code == 302
    permission.refresh_from_db()
    assert permission.revoked_at is not None
    missing_source = owner_client.post(base + "permissions/", {"kind": "opt_out", "channel": "email", "source": ""})
    assert missing_source.status_code == 400


def test_viewers_see_the_panel_but_cannot_change_facts(client, org, debtor):  # noqa: F811
    viewer = user_add(email="viewer@example.com", password=PASSWORD, organisation=org, role="viewer")
    client.force_login(viewer)
    base = f"/o/{org.slug}/customers/{debtor.pk}/"
    page = client.get(base).content.decode()
    assert "Contact rules now" in page and "Save facts" not in page
    assert client.post(base + "facts/", {"cease": "on"}).status_code == 403
    assert client.post(base + "permissions/", {"kind": "consent", "channel": "sms", "source": "x"}).status_code == 403
    assert client.post(f"/o/{org.slug}/compliance/settings/", {"mode": "third_party"}).status_code == 403
    assert not DebtorProfile.objects.exists() and not ContactPermission.objects.exists()


def test_the_compliance_page_charts_what_was_blocked_this_month(owner_client, org, debtor):  # noqa: F811
    from django.utils import timezone

    from recoup.compliance.services import contact_make
    from recoup.core.compliance import Action, Channel

    contact_make(customer=debtor, action=Action(Channel.SMS, address="+15185550101"), at=timezone.now())
    assert BlockedContact.objects.count() == 1
    page = owner_client.get(f"/o/{org.slug}/compliance/").content.decode()
    assert "blocked-chart" in page and "T1" in page and "Pat Doe" in page
    empty = owner_client.get(f"/o/{org.slug}/compliance/?month=2020-01").content.decode()
    assert "Nothing was blocked in 2020-01" in empty
    assert owner_client.get(f"/o/{org.slug}/compliance/?month=nonsense").status_code == 404
    rules = owner_client.get(f"/o/{org.slug}/compliance/rules/").content.decode()
    assert "1006.14(b)(2)" in rules and "calls_per_window" in rules


def test_owners_change_the_collection_mode(owner_client, org):
    response = owner_client.post(
        f"/o/{org.slug}/compliance/settings/",
        {"mode": "third_party", "debt_type": "medical", "contract": "written", "federal_rules_everywhere": "on"},
    )
    assert response.status_code == 302
    from recoup.compliance.selectors import settings_of

    current = settings_of(org)
    assert current.mode == "third_party" and current.debt_type == "medical" and current.contract == "written"
