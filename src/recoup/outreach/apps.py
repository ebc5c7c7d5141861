from django.apps import AppConfig


class OutreachConfig(AppConfig):
    """The collection cycle and its channels: ladders, touches, the outbox, letters, texts and call tasks."""

    name = "recoup.outreach"
    label = "outreach"
