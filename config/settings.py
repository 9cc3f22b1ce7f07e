"""Kabinet settings: one module, driven by environment variables (no production-only code path)."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list, env_str, env_url
from config.logging import kabinet_logging

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KABINET_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The development key only works while DEBUG or on the loopback demo; production sets SECRET_KEY
# (checked in the hardening block below).
DEVELOPMENT_SECRET_KEY = "kabinet-insecure-development-key-change-me-in-production"  # noqa: S105 (refused in production)
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", LOOPBACK_HOSTS)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "kabinet.core.errors.csrf_failure"

INSTALLED_APPS = [
    "kabinet.core.admin_site.KabinetAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for the project's form renderer below
    "django_htmx",
    "phonenumber_field",
    "django_tasks",
    "django_tasks_db",
    "kabinet.core",
    "kabinet.messaging",
    "kabinet.accounts",
    "kabinet.organizations",
    "kabinet.creditors",
    "kabinet.contracts",
    "kabinet.documents",
    "kabinet.signatures",
    "kabinet.invoices",
    "kabinet.statements",
    "kabinet.appeals",
    "kabinet.notifications",
    "kabinet.onboarding",
    "kabinet.support",
    "kabinet.audit",
    "kabinet.api",
    "kabinet.demo",
    "kabinet.web",
    "csp",
    "django_ratelimit",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kabinet.accounts.middleware.SessionPolicyMiddleware",
    "kabinet.organizations.middleware.CurrentOrganizationMiddleware",
    "kabinet.creditors.middleware.CurrentCreditorMiddleware",
    # Last, so its `process_view` runs when the request is set up: control characters are a 400.
    "kabinet.core.input_hygiene.ControlCharactersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Forms render with the project's templates: `{{ field.as_field_group }}` is templates/django/forms/field.html
# (label, required mark, hint, the error under the field, aria-describedby/aria-invalid; Bootstrap classes).
FORM_RENDERER = "kabinet.core.forms_renderer.FormRenderer"

# The client side's pages are Jinja2 (templates/jinja2/, kabinet/web/jinja.py), found first; the back
# office (templates/admin/, Django's admin) and the forms' field template stay on Django templates.
_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "kabinet.web.context_processors.portal",
]
TEMPLATES = [
    {
        "NAME": "jinja2",
        "BACKEND": "kabinet.web.jinja.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "kabinet.web.jinja.environment",
            # The request is given by the backend itself.
            "context_processors": _CONTEXT_PROCESSORS[1:],
        },
    },
    {
        "NAME": "django",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": _CONTEXT_PROCESSORS,
        },
    },
]

# Database: SQLite (WAL) by default; DATABASE_URL=postgres://… in production and CI.
# CONN_MAX_AGE keeps a connection per process for that many seconds; CONN_HEALTH_CHECKS tests a reused
# connection before the first query of a request (a restarted or failed-over server costs no 500).
_sqlite_path = VAR_DIR / "db.sqlite3"
_conn_max_age = env_int("CONN_MAX_AGE", env_int("DB_CONN_MAX_AGE", 60))
_conn_health_checks = env_bool("CONN_HEALTH_CHECKS", True)
DATABASES = {
    "default": dj_database_url.parse(
        env_url("DATABASE_URL", f"sqlite:///{_sqlite_path}"),
        conn_max_age=_conn_max_age,
        conn_health_checks=_conn_health_checks,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A query running longer than DB_STATEMENT_TIMEOUT seconds is cancelled by PostgreSQL: the request ends
# with an error the app logs, before gunicorn's GUNICORN_TIMEOUT kills the worker without a word.
DB_STATEMENT_TIMEOUT = env_int("DB_STATEMENT_TIMEOUT", 30)
_gunicorn_timeout = env_int("GUNICORN_TIMEOUT", 60)
if DB_STATEMENT_TIMEOUT and _gunicorn_timeout <= DB_STATEMENT_TIMEOUT:
    raise ImproperlyConfigured(
        f"DB_STATEMENT_TIMEOUT ({DB_STATEMENT_TIMEOUT} s) must be shorter than GUNICORN_TIMEOUT ({_gunicorn_timeout} s)"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_STATEMENT_TIMEOUT:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT * 1000}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["kabinet.accounts.backends.PhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # Django's similarity check, but against the phone (any spelling), the full name and the e-mail.
    {"NAME": "kabinet.accounts.validators.PhoneAndNameSimilarityValidator"},
    # …and the name or e-mail in either alphabet (`andrey.sokolov` for «Андрей Соколов»).
    {"NAME": "kabinet.accounts.validators.TransliteratedSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "contracts:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# «Запомнить меня»: a long-lived session (at most 30 days); otherwise the cookie ends with the
# browser and the session at most 12 hours after sign-in.
REMEMBER_ME_AGE = env_int("REMEMBER_ME_AGE", 60 * 60 * 24 * 30)
BROWSER_SESSION_MAX_AGE = env_int("BROWSER_SESSION_MAX_AGE", 60 * 60 * 12)
# Any session, «Запомнить меня» or not, ends after this many seconds without the user's activity.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)

# Sign-in throttling, keyed on the phone typed and the client IP together.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 30 * 60)
# X-Forwarded-For is read only when the request comes from one of these (addresses or networks).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])


def _networks(name: str, values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Addresses or networks of a list setting, each checked at start (a typo would fail every request)."""
    try:
        return [ipaddress.ip_network(value, strict=False) for value in values]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc} (addresses or networks, e.g. 10.0.0.0/24, ::1)") from exc


_networks("TRUSTED_PROXIES", TRUSTED_PROXIES)

# SMS: a backend like Django's e-mail backends.
SMS_BACKEND = env_str("SMS_BACKEND", "kabinet.messaging.sms.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms-outbox"))
SMS_SENDER = env_str("SMS_SENDER", "")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10)
SMSRU_API_ID = env_str("SMSRU_API_ID", "")
SMSRU_URL = env_url("SMSRU_URL", "https://sms.ru/sms/send")
SMSC_LOGIN = env_str("SMSC_LOGIN", "")
SMSC_PASSWORD = env_str("SMSC_PASSWORD", "")
SMSC_URL = env_url("SMSC_URL", "https://smsc.ru/sys/send.php")

# Telegram: the bot of the notices (the documented Bot API over HTTPS). Without a token the channel is hidden.
# Updates come by the webhook (/telegram/webhook/, checked against TELEGRAM_WEBHOOK_SECRET) or by
# `manage.py telegram_poll` (long polling); see the README.
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_BOT_USERNAME = env_str("TELEGRAM_BOT_USERNAME", "")
TELEGRAM_API_URL = env_url("TELEGRAM_API_URL", "https://api.telegram.org")
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET", "")
TELEGRAM_TIMEOUT = env_int("TELEGRAM_TIMEOUT", 10)
TELEGRAM_LINK_CODE_TTL = env_int("TELEGRAM_LINK_CODE_TTL", 15 * 60)
TELEGRAM_DELIVERY_ATTEMPTS = env_int("TELEGRAM_DELIVERY_ATTEMPTS", 5)
if TELEGRAM_BOT_TOKEN and not TELEGRAM_BOT_USERNAME:
    raise ImproperlyConfigured("TELEGRAM_BOT_TOKEN needs TELEGRAM_BOT_USERNAME (the bot's @name, for the link)")
SMS_CODE_LENGTH = env_int("SMS_CODE_LENGTH", 4)
SMS_CODE_TTL = env_int("SMS_CODE_TTL", 5 * 60)
SMS_CODE_ATTEMPTS = env_int("SMS_CODE_ATTEMPTS", 3)
SMS_RESEND_INTERVAL = env_int("SMS_RESEND_INTERVAL", 60)
SMS_DAILY_LIMIT_PER_PHONE = env_int("SMS_DAILY_LIMIT_PER_PHONE", 5)
SMS_HOURLY_LIMIT_PER_IP = env_int("SMS_HOURLY_LIMIT_PER_IP", 20)
SMS_DELIVERY_ATTEMPTS = env_int("SMS_DELIVERY_ATTEMPTS", 5)

# Employees: an invitation is valid this many days; a request to join a company that has administrators
# goes to them first, and then also to the lessor's staff when JOIN_STAFF_APPROVAL=1.
INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 7)
# «Отправить приглашение повторно»: at most this many more invitation SMS to one phone from one organization
# an hour after the first (sent again, or revoked and invited anew).
INVITATION_RESEND_LIMIT = env_int("INVITATION_RESEND_LIMIT", 3)
JOIN_STAFF_APPROVAL = env_bool("JOIN_STAFF_APPROVAL", False)

# Company lookup by INN or name: "local" (a registry table staff load from CSV) or "dadata".
COMPANY_LOOKUP = env_str("COMPANY_LOOKUP", "local")
DADATA_TOKEN = env_str("DADATA_TOKEN", "")
DADATA_URL = env_url("DADATA_URL", "https://suggestions.dadata.ru/suggestions/api/4_1/rs")
DADATA_TIMEOUT = env_int("DADATA_TIMEOUT", 5)
SESSION_COOKIE_AGE = REMEMBER_ME_AGE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# ---------------------------------------------------------------------------------------------
# Hardening: secrets, proxies, transport, browser policies, brute-force limits.
# Kept together so the settings shared with other work (cache, logs, health) stay apart.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

# A start that answers a host other than loopback is public: it refuses DEBUG and a weak or public
# SECRET_KEY (too short, too few distinct characters, or the development key inside it). `make run`, the
# tests and the image build answer loopback only and keep the development key (`check --deploy` warns).
NON_PUBLIC_HOSTS = {*LOOPBACK_HOSTS, "testserver"}
PUBLIC_HOSTS = sorted(set(ALLOWED_HOSTS) - NON_PUBLIC_HOSTS)
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 10
if DEBUG and PUBLIC_HOSTS:
    raise ImproperlyConfigured(
        f"DEBUG=1 shows settings and code to anyone who triggers an error: refused for the public host(s) "
        f"{', '.join(PUBLIC_HOSTS)}. Set DEBUG=0, or ALLOWED_HOSTS to loopback only for development."
    )
_weak_key = (
    DEVELOPMENT_SECRET_KEY in SECRET_KEY
    or SECRET_KEY.startswith("django-insecure-")
    or len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_DISTINCT
)
if _weak_key and PUBLIC_HOSTS:
    raise ImproperlyConfigured(
        f"SECRET_KEY must be a long random value ({SECRET_KEY_MIN_LENGTH}+ characters, at least "
        f"{SECRET_KEY_MIN_DISTINCT} distinct, not the development key) when ALLOWED_HOSTS names a host other "
        "than loopback; e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

# 13.4: behind a proxy every request comes from the proxy's address, so without TRUSTED_PROXIES the
# per-address limits would put every client in one bucket (anyone could lock everyone out).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY and not TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "BEHIND_PROXY=1 needs TRUSTED_PROXIES: the addresses or networks of your reverse proxies "
        "(X-Forwarded-For is read only from them)."
    )
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None

# 13.8: transport. Behind TLS: SECURE_SSL_REDIRECT=1 and HSTS (start with a short max-age).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# No script of ours reads the CSRF cookie (htmx gets the token from the page), so scripts cannot either.
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# 13.8: a strict Content-Security-Policy (django-csp): no inline script or style anywhere in our
# templates; a nonce is added only where a page asks for one (the creditor's accent colour, the
# admin's one inline style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Bootstrap draws its form and toggler icons as data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}
# Browser features the portal never uses are off for it and anything it could embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

# 13.4, 13.5, 13.11: limits counted in the cache by django-ratelimit (Redis with REDIS_URL; without
# it the local-memory cache counts per process, which is enough for one server).
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "kabinet.core.net.ratelimit_ip"
# Failed sign-ins from one address across all phones, and against one account across all addresses.
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 30)
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 10)
# Past that, each further failure doubles the wait from LOGIN_DELAY_BASE up to LOGIN_DELAY_MAX seconds;
# a browser the owner has signed in from before is not delayed (so nobody can lock the owner out).
LOGIN_DELAY_BASE = env_int("LOGIN_DELAY_BASE", 30)
LOGIN_DELAY_MAX = env_int("LOGIN_DELAY_MAX", 15 * 60)
LOGIN_DEVICE_COOKIE_AGE = env_int("LOGIN_DEVICE_COOKIE_AGE", 180 * 24 * 3600)
# «Забыли пароль?»: requests per phone and per address an hour.
PASSWORD_RESET_LIMIT_PER_PHONE = env_int("PASSWORD_RESET_LIMIT_PER_PHONE", 3)
PASSWORD_RESET_LIMIT_PER_IP = env_int("PASSWORD_RESET_LIMIT_PER_IP", 20)
# Company suggestions on the registration page (each may spend the paid DaData quota): per address a minute.
COMPANY_LOOKUP_LIMIT_PER_IP = env_int("COMPANY_LOOKUP_LIMIT_PER_IP", 30)
# Submitting the registration or «Добавить организацию» form (a registry lookup by INN each): an hour.
COMPANY_SUBMIT_LIMIT_PER_IP = env_int("COMPANY_SUBMIT_LIMIT_PER_IP", 30)
COMPANY_SUBMIT_LIMIT_PER_USER = env_int("COMPANY_SUBMIT_LIMIT_PER_USER", 10)
# The local-memory cache is per process (E003) and Django's own RedisCache increments atomically
# with INCR though django-ratelimit lists only django-redis (W001).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + (["django_ratelimit.E003"] if not env_url("REDIS_URL", "") else [])

# 13.10: webhooks never reach loopback, private, link-local or metadata addresses, except the
# networks listed here (an on-premise accounting system), e.g. WEBHOOK_ALLOWED_NETWORKS=10.20.0.0/24.
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
# End of the hardening block.
# ---------------------------------------------------------------------------------------------

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# dd.mm.yyyy everywhere, the back office included (config/formats/ru/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "RU"
PHONENUMBER_DB_FORMAT = "E164"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
]

# Files are private: MEDIA_ROOT is never served by URL, only through access-checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
_storage_backend = env_str("STORAGE_BACKEND", "filesystem")
STORAGE_MAX_CALLS = env_int("STORAGE_MAX_CALLS", 2)
STORAGE_WAIT_TIMEOUT = env_float("STORAGE_WAIT_TIMEOUT", 1.0)
if STORAGE_MAX_CALLS < 1 or STORAGE_WAIT_TIMEOUT < 0:
    raise ImproperlyConfigured("STORAGE_MAX_CALLS must be at least 1 and STORAGE_WAIT_TIMEOUT not negative")
_gunicorn_threads = env_int("GUNICORN_THREADS", 4)
if _storage_backend == "s3":
    from botocore.config import Config as BotoConfig

    _s3_connect_timeout = env_int("S3_CONNECT_TIMEOUT", 5)
    _s3_read_timeout = env_int("S3_READ_TIMEOUT", 20)
    if 2 * (_s3_connect_timeout + _s3_read_timeout) >= _gunicorn_timeout:
        raise ImproperlyConfigured(
            f"Two tries of S3_CONNECT_TIMEOUT + S3_READ_TIMEOUT ({_s3_connect_timeout} + {_s3_read_timeout} s) must "
            f"end before GUNICORN_TIMEOUT ({_gunicorn_timeout} s)"
        )
    _default_storage = {
        "BACKEND": "kabinet.core.s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_url("S3_ENDPOINT_URL", "") or None,
            # The address browsers reach the bucket at, for presigned links (the endpoint above may be an
            # internal name such as http://minio:9000); empty: the same as S3_ENDPOINT_URL.
            "public_endpoint_url": env_url("S3_PUBLIC_ENDPOINT_URL", "") or None,
            "access_key": env_str("S3_ACCESS_KEY", "") or None,
            "secret_key": env_str("S3_SECRET_KEY", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            # Presigned URLs signed with SigV4 (the only version newer regions and MinIO accept).
            "signature_version": "s3v4",
            # A slow or silent S3 ends the request with an error well before gunicorn kills the worker.
            "client_config": BotoConfig(
                signature_version="s3v4",
                connect_timeout=_s3_connect_timeout,
                read_timeout=_s3_read_timeout,
                retries={"total_max_attempts": 2, "mode": "standard"},
            ),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
    # At most STORAGE_MAX_CALLS threads of a process wait on S3 at once (kabinet/core/storage_limit.py); a
    # request that finds them taken for STORAGE_WAIT_TIMEOUT seconds gets the 503 «отвечает медленно». Fewer
    # than gunicorn's threads per worker, so a slow S3 always leaves each worker threads for the pages.
    if _gunicorn_threads <= STORAGE_MAX_CALLS:
        raise ImproperlyConfigured(
            f"STORAGE_MAX_CALLS ({STORAGE_MAX_CALLS}) must be below GUNICORN_THREADS ({_gunicorn_threads}): "
            "otherwise a slow S3 can take every thread of a worker and the pages wait behind it"
        )
elif _storage_backend == "filesystem":
    _default_storage = {"BACKEND": "kabinet.core.storage.LocalFileStorage"}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', got {_storage_backend!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# How a private file reaches its owner: "direct" (the app streams it), "x-accel" (nginx serves the
# internal location PRIVATE_FILES_X_ACCEL_PREFIX mapped to MEDIA_ROOT), "s3-presigned" (a short-lived URL).
PRIVATE_FILES_DELIVERY = env_str("PRIVATE_FILES_DELIVERY", "direct")
if PRIVATE_FILES_DELIVERY not in {"direct", "x-accel", "s3-presigned"}:
    raise ImproperlyConfigured("PRIVATE_FILES_DELIVERY must be direct, x-accel or s3-presigned")
if PRIVATE_FILES_DELIVERY == "s3-presigned" and _storage_backend != "s3":
    raise ImproperlyConfigured(
        "PRIVATE_FILES_DELIVERY=s3-presigned needs STORAGE_BACKEND=s3 (files on disk have no URL)"
    )
PRIVATE_FILES_X_ACCEL_PREFIX = env_str("PRIVATE_FILES_X_ACCEL_PREFIX", "/protected-media/")

# The portal's own address, for links in e-mails.
PORTAL_URL = env_url("PORTAL_URL", "http://127.0.0.1:8000")
# The portal's host name in identifiers that must not depend on the request (calendar UIDs).
PORTAL_HOST = env_str("PORTAL_HOST", urlsplit(PORTAL_URL).hostname or "localhost")
# Passkeys (WebAuthn): the relying-party id is the portal's host name (an IP address is not a valid one, so
# a portal on a loopback address uses `localhost`), and a browser's answer counts only from these origins.
_portal = urlsplit(PORTAL_URL)
_portal_host_is_ip = (_portal.hostname or "").replace(".", "").isdigit() or ":" in (_portal.hostname or "")
WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID", "localhost" if _portal_host_is_ip else PORTAL_HOST)
WEBAUTHN_ORIGINS = env_list(
    "WEBAUTHN_ORIGINS",
    [
        f"{_portal.scheme}://{WEBAUTHN_RP_ID if _portal_host_is_ip else _portal.hostname}"
        + (f":{_portal.port}" if _portal.port else "")
    ],
)

# A portal reached over https whose cookies would also travel over plain http: the session leaks to
# anyone on the path of one http request (a link, a typed address).
_served_over_https = urlsplit(PORTAL_URL).scheme == "https" or any(
    origin.startswith("https://") for origin in CSRF_TRUSTED_ORIGINS
)
if (_served_over_https or SECURE_SSL_REDIRECT) and not SESSION_COOKIE_SECURE:
    raise ImproperlyConfigured(
        "The portal is served over https (PORTAL_URL, CSRF_TRUSTED_ORIGINS or SECURE_SSL_REDIRECT) but "
        "SECURE_COOKIES=0 would send the session cookie over plain http too: set SECURE_COOKIES=1."
    )

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kabinet <noreply@kabinet.local>")

# Documents: upload limits, extracted text, ZIP limits.
DOCUMENT_UPLOAD_MAX_BYTES = env_int("DOCUMENT_UPLOAD_MAX_BYTES", 20 * 2**20)
DOCUMENT_UPLOAD_MAX_FILES = env_int("DOCUMENT_UPLOAD_MAX_FILES", 5)
DOCUMENT_UPLOAD_MAX_TOTAL_BYTES = env_int("DOCUMENT_UPLOAD_MAX_TOTAL_BYTES", 50 * 2**20)  # all files of one POST
# Text extraction runs in a child process (kabinet/core/pdftext.py) killed past these limits; the
# document is then marked «текст не извлечён». It has its own task queue, "extraction" (TASKS below).
DOCUMENT_EXTRACT_MEMORY_MB = env_int("DOCUMENT_EXTRACT_MEMORY_MB", 512)
DOCUMENT_EXTRACT_CPU_SECONDS = env_int("DOCUMENT_EXTRACT_CPU_SECONDS", 20)
DOCUMENT_EXTRACT_MAX_PAGES = env_int("DOCUMENT_EXTRACT_MAX_PAGES", 50)
# Files chosen in a form that came back with an error are kept for its author this long (the scheduler
# removes older ones every hour; kabinet/documents/held.py).
HELD_UPLOAD_TTL_HOURS = env_int("HELD_UPLOAD_TTL_HOURS", 24)
DOCUMENT_TEXT_MAX_CHARS = env_int("DOCUMENT_TEXT_MAX_CHARS", 200_000)
DOCUMENT_ZIP_MAX_FILES = env_int("DOCUMENT_ZIP_MAX_FILES", 500)
DOCUMENT_ZIP_MAX_BYTES = env_int("DOCUMENT_ZIP_MAX_BYTES", 2 * 2**30)
# The client's own акт сверки or 1С account card uploaded for the two-sided comparison
# (kabinet/statements/client_data.py): the file, its rows and the seconds its reading may take.
RECONCILIATION_UPLOAD_MAX_BYTES = env_int("RECONCILIATION_UPLOAD_MAX_BYTES", 5 * 2**20)
RECONCILIATION_MAX_ROWS = env_int("RECONCILIATION_MAX_ROWS", 10_000)
RECONCILIATION_PARSE_SECONDS = env_int("RECONCILIATION_PARSE_SECONDS", 10)
DATA_UPLOAD_MAX_NUMBER_FILES = 100
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Integration API.
API_MAX_ROWS = env_int("API_MAX_ROWS", 20_000)
API_EVENT_LAG_SECONDS = env_int("API_EVENT_LAG_SECONDS", 5)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 25 * 2**20)
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_ATTEMPTS = env_int("WEBHOOK_ATTEMPTS", 6)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["kabinet.api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["kabinet.api.auth.HasScope"],
    # DRF's JSON parser with a nesting limit (deep nesting was a 500 RecursionError).
    "DEFAULT_PARSER_CLASSES": ["kabinet.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "kabinet.api.errors.exception_handler",
}
# A JSON body of a bulk call may be large; files stream to disk above FILE_UPLOAD_MAX_MEMORY_SIZE.
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
SPECTACULAR_SETTINGS = {
    "TITLE": "Kabinet integration API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "The creditor's accounting system feeds the portal and reads what clients did.",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "TAGS": [
        {
            "name": "client",
            "description": (
                "A client organization's own systems (1С, a treasury system): read only, its organization only, "
                "with every creditor it works with. The key is issued by the organization's administrator in "
                "«Настройки» → «Интеграции»; lists are read by the `after`/`next` cursor; the events are POSTed "
                "to the key's webhook signed like the creditors' (`Kabinet-Signature`). See examples/client_daily.py."
            ),
        }
    ],
}

# Daily payment reminders: at what local time, and how many days ahead of the due date.
PAYMENTS_DUE_AT = datetime.time.fromisoformat(env_str("PAYMENTS_DUE_AT", "09:00"))
# Quiet hours of SMS and Telegram notices, in each organization's time zone: a notice due in them waits
# until the end (codes never wait). Equal values turn them off.
QUIET_HOURS_START = datetime.time.fromisoformat(env_str("QUIET_HOURS_START", "21:00"))
QUIET_HOURS_END = datetime.time.fromisoformat(env_str("QUIET_HOURS_END", "09:00"))
PAYMENTS_DUE_DAYS = env_int("PAYMENTS_DUE_DAYS", 3)
# «Закрывающие документы за <месяц> готовы»: from this day of the next month, at this local time, once per
# organization and month (the books send the month's УПД by the 5th).
CLOSING_DOCUMENTS_NOTICE_DAY = env_int("CLOSING_DOCUMENTS_NOTICE_DAY", 5)
CLOSING_DOCUMENTS_NOTICE_AT = datetime.time.fromisoformat(env_str("CLOSING_DOCUMENTS_NOTICE_AT", "10:00"))

# Back office: a request on the lessor's side that has not moved for this many hours is overdue.
APPEAL_RESPONSE_HOURS = env_int("APPEAL_RESPONSE_HOURS", 24)

# VAT rates in force, newest first: (first day, rate %). The last entry has no start date: 18 % until
# 31.12.2018, 20 % from 2019 to 2025, 22 % from 2026 (docs/ledger-rules.md; every boundary is tested).
VAT_RATES = [("2026-01-01", "22"), ("2019-01-01", "20"), (None, "18")]

# Lists: rows per page on the server; at most this many rows in an Excel export of a list (a guard for
# the worker's time: ~0.2 ms a row, so 100 000 rows take ~20 s; the file says so when it is cut).
KABINET_PAGE_SIZE = env_int("KABINET_PAGE_SIZE", 20)
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 100_000)

# ---------------------------------------------------------------------------------------------
# Production and scale-out (deploy/, docs/scaling.md): Redis, the task queue, the read replica,
# health, metrics, structured logs and Sentry. Everything here is off unless its variable is set,
# so `make run` stays SQLite + the database task queue + plain logs.

# Redis: the cache shared by every app process (limits counted in the cache hold across them) and the
# sessions, `cached_db`: read from Redis, written through to the database (a Redis restart signs nobody out).
REDIS_URL = env_url("REDIS_URL", "")
# With Redis gone the portal degrades instead of failing (kabinet/core/cache.py): limits count per process
# meanwhile, sessions are read from the database alone; Redis is tried again every CACHE_RETRY_AFTER s.
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    _redis_cache: dict[str, Any] = {"BACKEND": "kabinet.core.cache.FailoverRedisCache", "LOCATION": REDIS_URL}
    _retry_after = env_int("CACHE_RETRY_AFTER", 5)
    CACHES = {
        "default": {**_redis_cache, "OPTIONS": {"FALLBACK": "locmem", "RETRY_AFTER": _retry_after}},
        "sessions": {**_redis_cache, "OPTIONS": {"FALLBACK": "none", "RETRY_AFTER": _retry_after}},
        # Rate limits: with Redis down they are counted in the database (shared by every app process),
        # never per process — a limit that resets per process is no limit to someone who takes Redis down.
        "ratelimit": {**_redis_cache, "OPTIONS": {"FALLBACK": "database", "RETRY_AFTER": _retry_after}},
    }
    RATELIMIT_USE_CACHE = "ratelimit"
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Background tasks: the database queue (`manage.py db_worker`) by default; on Redis with RQ at scale
# (`TASKS_BACKEND=django_tasks_rq.RQBackend`, worker `manage.py rqworker default --job-class django_tasks_rq.Job`).
# "extraction" (text of uploaded PDFs) has its own worker, so SMS codes, e-mails and webhooks in
# "default" never wait behind a slow file (`manage.py serve`, deploy/compose.yaml, deploy/systemd).
TASKS_BACKEND = env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASK_QUEUES = ["default", "extraction"]
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": TASK_QUEUES}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=django_tasks_rq.RQBackend needs REDIS_URL")
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {name: {"URL": env_url("RQ_REDIS_URL", REDIS_URL), "DEFAULT_TIMEOUT": 600} for name in TASK_QUEUES}
# An outbox row (SMS, webhook delivery) still waiting this long after its last try is queued again by
# the scheduler: a worker killed mid-task loses nothing, and the idempotency key keeps it sent once.
OUTBOX_STALE_AFTER = env_int("OUTBOX_STALE_AFTER", 15 * 60)
OUTBOX_SWEEP_INTERVAL = env_int("OUTBOX_SWEEP_INTERVAL", 60)
SCHEDULER_RUNS_KEEP_DAYS = env_int("SCHEDULER_RUNS_KEEP_DAYS", 30)
# A worker sending an outbox row holds it this long; past it the worker is taken for dead and the sweep
# queues the row again (kabinet.messaging.outbox). It must outlast one send (connect + answer, each within
# SMS_TIMEOUT / WEBHOOK_TIMEOUT), and it is how long a code SMS waits after its worker was killed.
OUTBOX_LEASE = env_int("OUTBOX_LEASE", 60)
# Text extraction: a run not finished EXTRACTION_LEASE seconds after it started is taken for lost (its
# worker killed) and queued again, EXTRACTION_ATTEMPTS runs in all, then the document is marked
# «текст не извлечён» (kabinet.documents.services.documents_extraction_requeue_stale).
EXTRACTION_LEASE = env_int("EXTRACTION_LEASE", 300)
EXTRACTION_ATTEMPTS = env_int("EXTRACTION_ATTEMPTS", 2)
if 2 * max(SMS_TIMEOUT, WEBHOOK_TIMEOUT, TELEGRAM_TIMEOUT) >= OUTBOX_LEASE:
    raise ImproperlyConfigured(
        f"OUTBOX_LEASE ({OUTBOX_LEASE} s) must be longer than two SMS_TIMEOUT / WEBHOOK_TIMEOUT / TELEGRAM_TIMEOUT "
        f"({max(SMS_TIMEOUT, WEBHOOK_TIMEOUT, TELEGRAM_TIMEOUT)} s): a send still in progress would be taken for dead."
    )

# A read replica: client pages' GET requests read there; a transaction, anything after a write in the
# same request, and the next REPLICA_PIN_SECONDS after a write (a cookie) read the primary.
DATABASE_REPLICA_URL = env_url("DATABASE_REPLICA_URL", "")
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 10)
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 5)
REPLICA_EXCLUDED_PATHS = env_list("REPLICA_EXCLUDED_PATHS", ["/admin/", "/api/", "/healthz", "/readyz", "/metrics"])
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=_conn_max_age, conn_health_checks=_conn_health_checks
    )
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("REPLICA_CONNECT_TIMEOUT", 2)
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql" and DB_STATEMENT_TIMEOUT:
        DATABASES["replica"]["OPTIONS"]["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT * 1000}"
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["kabinet.core.replica.ReplicaRouter"]
_session_middleware = MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
MIDDLEWARE.insert(_session_middleware, "kabinet.core.replica.ReplicaMiddleware")

# Metrics for Prometheus at /metrics, answered only to METRICS_ALLOWED_IPS or with
# `Authorization: Bearer <METRICS_TOKEN>`. Under gunicorn set PROMETHEUS_MULTIPROC_DIR (an empty folder).
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
for _network in _networks("METRICS_ALLOWED_IPS", METRICS_ALLOWED_IPS):
    if _network.prefixlen == 0:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS={_network} opens /metrics to everyone: list Prometheus's addresses or "
            "network, or use METRICS_TOKEN."
        )
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# prometheus_client's multiprocess mode (gunicorn): the folder every worker writes its counts to.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
INSTALLED_APPS += ["django_prometheus"]
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "kabinet.core.metrics.QueryCountMiddleware",
    *MIDDLEWARE,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Logs: LOG_FORMAT=json prints one JSON object a line; `plain` (default) for `make run`. One line per
# request (kabinet.core.requestlog: method, path with URL secrets redacted, status, ms, user id) with the
# request id — nginx's X-Request-ID when it came through TRUSTED_PROXIES, else a new one — carried into
# every line of the request and the background tasks it queued. The client IP is not logged (personal
# data; the proxy-aware IP lives in the sign-in throttle).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
MIDDLEWARE.insert(0, "kabinet.core.requestlog.RequestLogMiddleware")
# /healthz, /readyz and /metrics are answered before everything else: probes use the app port's own
# Host and plain http, so they skip the host check and the SSL redirect (kabinet/core/probes.py).
MIDDLEWARE.insert(0, "kabinet.core.probes.ProbeMiddleware")
LOGGING = kabinet_logging(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))

# Errors to Sentry when SENTRY_DSN is set (no personal data is sent).
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        send_default_pii=False,
    )
