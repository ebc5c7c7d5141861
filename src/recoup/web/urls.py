from django.urls import include, path

from recoup.web.views import (
    admin,
    aging,
    auth,
    compliance,
    customers,
    dashboard,
    imports,
    messages,
    reports,
    webhooks,
)

organisation_patterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("aging/", aging.aging_page, name="aging"),
    path("aging/export.<str:fmt>", reports.aging_export, name="aging-export"),
    path("kpis/", reports.kpis_page, name="kpis"),
    path("kpis/export.<str:fmt>", reports.kpis_export, name="kpis-export"),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:pk>/", customers.customer_page, name="customer"),
    path("customers/<int:pk>/notes/", customers.note_create, name="customer-note"),
    path("customers/<int:pk>/calls/", customers.call_create, name="customer-call"),
    path("customers/<int:pk>/disputes/", customers.dispute_create, name="customer-dispute"),
    path("customers/<int:pk>/disputes/<int:dispute_id>/", customers.dispute_update, name="customer-dispute-update"),
    path("customers/<int:pk>/facts/", compliance.facts_update, name="customer-facts"),
    path("customers/<int:pk>/permissions/", compliance.permission_create, name="customer-permission"),
    path(
        "customers/<int:pk>/permissions/<int:permission_id>/end/",
        compliance.permission_end,
        name="customer-permission-end",
    ),
    path("compliance/", compliance.compliance_page, name="compliance"),
    path("compliance/settings/", compliance.settings_update, name="compliance-settings"),
    path("compliance/rules/", compliance.rules_page, name="compliance-rules"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/upload/", imports.import_upload, name="import-upload"),
    path("imports/<str:token>/", imports.import_map, name="import-map"),
    path("audit/", admin.audit_log, name="audit"),
    path("webhooks/", webhooks.webhook_list, name="webhooks"),
    path("webhooks/new/", webhooks.webhook_create, name="webhook-new"),
    path("webhooks/<int:endpoint_id>/delete/", webhooks.webhook_delete, name="webhook-delete"),
    path("tokens/", admin.tokens, name="tokens"),
    path("tokens/new/", admin.token_new, name="token-new"),
    path("tokens/<int:token_id>/revoke/", admin.token_delete, name="token-revoke"),
]

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("o/<slug:slug>/", include(organisation_patterns)),
    # Public, reached from reminders by the message's token.
    path("m/<str:token>/", messages.statement, name="message-statement"),
    path("m/<str:token>/pay", messages.pay, name="message-pay"),
    path("m/<str:token>/open.gif", messages.open_pixel, name="message-open"),
    path("m/<str:token>/unsubscribe", messages.unsubscribe_page, name="message-unsubscribe"),
]
