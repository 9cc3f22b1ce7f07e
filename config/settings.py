"""Kabinet settings: one module, driven by environment variables (no production-only code path)."""

from __future__ import annotations

import datetime
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KABINET_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The development key only works while DEBUG or on the loopback demo; production sets SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY", "kabinet-insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "phonenumber_field",
    "django_tasks",
    "django_tasks_db",
    "kabinet.core",
    "kabinet.accounts",
    "kabinet.organizations",
    "kabinet.creditors",
    "kabinet.contracts",
    "kabinet.documents",
    "kabinet.invoices",
    "kabinet.appeals",
    "kabinet.notifications",
    "kabinet.support",
    "kabinet.audit",
    "kabinet.api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kabinet.organizations.context_processors.portal",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# Database: SQLite (WAL) by default; DATABASE_URL=postgres://… in production and CI.
_sqlite_path = VAR_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{_sqlite_path}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["kabinet.accounts.backends.PhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
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
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)

# Sign-in throttling, keyed on the phone typed and the client IP together.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 30 * 60)
# X-Forwarded-For is read only when the request comes from one of these (addresses or networks).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# SMS: a backend like Django's e-mail backends.
SMS_BACKEND = env_str("SMS_BACKEND", "kabinet.accounts.sms.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms-outbox"))
SMS_SENDER = env_str("SMS_SENDER", "")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10)
SMSRU_API_ID = env_str("SMSRU_API_ID", "")
SMSRU_URL = env_str("SMSRU_URL", "https://sms.ru/sms/send")
SMSC_LOGIN = env_str("SMSC_LOGIN", "")
SMSC_PASSWORD = env_str("SMSC_PASSWORD", "")
SMSC_URL = env_str("SMSC_URL", "https://smsc.ru/sys/send.php")
SMS_CODE_LENGTH = env_int("SMS_CODE_LENGTH", 4)
SMS_CODE_TTL = env_int("SMS_CODE_TTL", 5 * 60)
SMS_CODE_ATTEMPTS = env_int("SMS_CODE_ATTEMPTS", 3)
SMS_RESEND_INTERVAL = env_int("SMS_RESEND_INTERVAL", 60)
SMS_DAILY_LIMIT_PER_PHONE = env_int("SMS_DAILY_LIMIT_PER_PHONE", 5)
SMS_HOURLY_LIMIT_PER_IP = env_int("SMS_HOURLY_LIMIT_PER_IP", 20)
SMS_DELIVERY_ATTEMPTS = env_int("SMS_DELIVERY_ATTEMPTS", 5)

# Company lookup by INN or name: "local" (a registry table staff load from CSV) or "dadata".
COMPANY_LOOKUP = env_str("COMPANY_LOOKUP", "local")
DADATA_TOKEN = env_str("DADATA_TOKEN", "")
DADATA_URL = env_str("DADATA_URL", "https://suggestions.dadata.ru/suggestions/api/4_1/rs")
DADATA_TIMEOUT = env_int("DADATA_TIMEOUT", 5)
SESSION_COOKIE_AGE = REMEMBER_ME_AGE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
if _storage_backend == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("S3_ACCESS_KEY", "") or None,
            "secret_key": env_str("S3_SECRET_KEY", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            # Presigned URLs signed with SigV4 (the only version newer regions and MinIO accept).
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
elif _storage_backend == "filesystem":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ValueError(f"STORAGE_BACKEND must be 'filesystem' or 's3', got {_storage_backend!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# How a private file reaches its owner: "direct" (the app streams it), "x-accel" (nginx serves the
# internal location PRIVATE_FILES_X_ACCEL_PREFIX mapped to MEDIA_ROOT), "s3-presigned" (a short-lived URL).
PRIVATE_FILES_DELIVERY = env_str("PRIVATE_FILES_DELIVERY", "direct")
if PRIVATE_FILES_DELIVERY not in {"direct", "x-accel", "s3-presigned"}:
    raise ValueError("PRIVATE_FILES_DELIVERY must be direct, x-accel or s3-presigned")
PRIVATE_FILES_X_ACCEL_PREFIX = env_str("PRIVATE_FILES_X_ACCEL_PREFIX", "/protected-media/")

# The portal's own address, for links in e-mails.
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000")
# The portal's host name in identifiers that must not depend on the request (calendar UIDs).
PORTAL_HOST = env_str("PORTAL_HOST", urlsplit(PORTAL_URL).hostname or "localhost")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kabinet <noreply@kabinet.local>")

# Documents: upload limits, extracted text, ZIP limits.
DOCUMENT_UPLOAD_MAX_BYTES = env_int("DOCUMENT_UPLOAD_MAX_BYTES", 20 * 2**20)
DOCUMENT_UPLOAD_MAX_FILES = env_int("DOCUMENT_UPLOAD_MAX_FILES", 10)
DOCUMENT_TEXT_MAX_CHARS = env_int("DOCUMENT_TEXT_MAX_CHARS", 200_000)
DOCUMENT_ZIP_MAX_FILES = env_int("DOCUMENT_ZIP_MAX_FILES", 500)
DOCUMENT_ZIP_MAX_BYTES = env_int("DOCUMENT_ZIP_MAX_BYTES", 2 * 2**30)
DATA_UPLOAD_MAX_NUMBER_FILES = 100
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Integration API.
API_MAX_ROWS = env_int("API_MAX_ROWS", 20_000)
API_EVENT_LAG_SECONDS = env_int("API_EVENT_LAG_SECONDS", 5)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 25 * 2**20)
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_ATTEMPTS = env_int("WEBHOOK_ATTEMPTS", 6)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["kabinet.api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["kabinet.api.auth.HasScope"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
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
}

# Daily payment reminders: at what local time, and how many days ahead of the due date.
PAYMENTS_DUE_AT = datetime.time.fromisoformat(env_str("PAYMENTS_DUE_AT", "09:00"))
PAYMENTS_DUE_DAYS = env_int("PAYMENTS_DUE_DAYS", 3)

# VAT rates in force, newest first: (first day, rate %). The last entry has no start date.
VAT_RATES = [("2026-01-01", "22"), (None, "20")]

# Lists: rows per page on the server.
KABINET_PAGE_SIZE = env_int("KABINET_PAGE_SIZE", 20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every rendering step at INFO; keep its warnings only.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "fontTools.subset")},
}
