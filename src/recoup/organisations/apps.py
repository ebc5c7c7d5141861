from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "recoup.organisations"
    label = "organisations"
