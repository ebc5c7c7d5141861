from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "recoup.audit"
    label = "audit"
