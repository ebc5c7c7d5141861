from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "recoup.ledger"
    label = "ledger"
