"""Django settings. The database comes from ``DATABASE_URL`` (default: ``sqlite:///recoup.db``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEFAULT_DATABASE_URL = "sqlite:///recoup.db"
DATABASE_URL = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL

DEBUG = os.environ.get("RECOUP_DEBUG", "").lower() in {"1", "true", "yes"}
# A development key keeps the embedded demo working with no setup; production sets RECOUP_SECRET_KEY.
DEVELOPMENT_SECRET_KEY = "recoup-insecure-development-key-set-RECOUP_SECRET_KEY"
SECRET_KEY = os.environ.get("RECOUP_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = [h for h in os.environ.get("RECOUP_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "ninja",
    "recoup.organisations",
    "recoup.accounts",
    "recoup.audit",
    "recoup.ledger",
    "recoup.compliance",
    "recoup.activity",
    "recoup.outreach",
    "recoup.imports",
    "recoup.reporting",
    "recoup.webhooks",
    "recoup.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "recoup.web.middleware.NulByteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "recoup.web.middleware.SlidingSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login attempt into a lockout response.
    "axes.middleware.AxesMiddleware",
]

# --- Accounts and security -------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("RECOUP_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
# An idle session ends after an hour (activity renews it, see SlidingSessionMiddleware); closing the
# browser ends it too.
SESSION_COOKIE_AGE = int(os.environ.get("RECOUP_SESSION_SECONDS", 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Behind a reverse proxy that terminates HTTPS (RECOUP_HTTPS=1): cookies only travel over HTTPS, the
# proxy's X-Forwarded-Proto says the request was secure, and forms posted from the public origin pass CSRF.
if os.environ.get("RECOUP_HTTPS", "").lower() in {"1", "true", "yes"}:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if h not in {"127.0.0.1", "localhost"}]
# Files uploaded on the import page wait here between the preview and the confirmation.
RECOUP_UPLOAD_DIR = Path(os.environ.get("RECOUP_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "recoup-uploads")
RECOUP_UPLOAD_MAX_BYTES = int(os.environ.get("RECOUP_UPLOAD_MAX_BYTES", 200 * 1024 * 1024))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

ROOT_URLCONF = "recoup.config.urls"
WSGI_APPLICATION = "recoup.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recoup.web.context.workspace",
            ]
        },
    }
]


def database_config(url: str) -> dict:
    """Django DATABASES entry for a URL, with the settings each engine needs for bulk work."""
    # Each web worker keeps its connection between requests (checked before reuse): a new PostgreSQL
    # connection per request costs a backend process, and a new SQLite one throws away its page cache.
    config = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("RECOUP_DB_CONN_MAX_AGE", 600)), conn_health_checks=True
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL lets the web app read while an import writes; NORMAL sync is durable in WAL mode.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
                "PRAGMA cache_size=-200000; PRAGMA mmap_size=1073741824;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    return config


DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"


def _plotly_assets() -> str:
    """plotly.min.js ships inside the plotly package: serve it from there, so charts work offline."""
    import plotly

    return str(Path(plotly.__file__).parent / "package_data")


STATICFILES_DIRS = [("vendor/plotly", _plotly_assets())]
# Whitenoise serves the apps' static files straight from the installed package; no collectstatic step.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RECOUP_LOG_LEVEL", "WARNING")},
}

# Outreach. Email goes where EMAIL_URL says (smtp://[user:pass@]host:port[?tls=1], file:///DIR: one .eml per
# message, console:); texts where SMS_URL says (file:///DIR, console:, twilio://SID:TOKEN@+1FROM). Links in
# messages (pay, unsubscribe, tracking) start with RECOUP_BASE_URL, the address debtors reach the app at.
EMAIL_URL = os.environ.get("EMAIL_URL", "file:///./outbox")
SMS_URL = os.environ.get("SMS_URL", "file:///./outbox")
RECOUP_BASE_URL = os.environ.get("RECOUP_BASE_URL", "http://127.0.0.1:8000")
# Verifies inbound Twilio webhooks when SMS_URL is not a twilio:// URL (say, texts sent elsewhere).
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
DEFAULT_FROM_EMAIL = os.environ.get("RECOUP_FROM_EMAIL", "reminders@recoup.invalid")
