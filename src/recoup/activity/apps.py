from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "recoup.activity"
    label = "activity"
