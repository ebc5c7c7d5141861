from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "recoup.webhooks"
    label = "webhooks"
