"""The organisation's starting point: the shipped ladders and its outreach settings."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from django.db import transaction

from recoup.core.ladder_data import ladder_from_data, ladder_to_data
from recoup.organisations.models import Organisation
from recoup.outreach.models import LadderPolicy, OutreachSettings


@cache
def default_ladder_data() -> list[dict]:
    text = resources.files("recoup.outreach").joinpath("defaults/ladders.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def outreach_settings_of(organisation: Organisation) -> OutreachSettings:
    found = OutreachSettings.objects.filter(organisation=organisation).first()
    return found or OutreachSettings(organisation=organisation, sender_name=organisation.name)


@transaction.atomic
def ladders_ensure_defaults(organisation: Organisation) -> int:
    """Give an organisation without ladders the shipped ones (B2B as the default). Returns how many.
    Two cycles starting at once both get here: the organisation row lock (PostgreSQL) and
    ``ignore_conflicts`` (SQLite) make the second one a no-op."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if LadderPolicy.objects.filter(organisation=organisation).exists():
        return 0
    policies = []
    for item in default_ladder_data():
        item = dict(item)
        is_default = bool(item.pop("default", False))
        ladder = ladder_from_data(item)  # the shipped files are checked like a user's
        policies.append(
            LadderPolicy(
                organisation=organisation,
                key=ladder.key,
                name=ladder.name,
                definition=ladder_to_data(ladder),
                is_default=is_default,
            )
        )
    LadderPolicy.objects.bulk_create(policies, ignore_conflicts=True)
    return len(policies)
