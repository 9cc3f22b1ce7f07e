"""What each environment variable means, for docs/settings.md (config/settings_doc.py renders it).

A variable read through config/env.py without a line here fails the test suite, and so does a line here
for a variable nothing reads."""

from __future__ import annotations

SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Core and security",
        [
            "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "PORTAL_URL", "PORTAL_HOST",
            "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGINS",
            "KABINET_VAR_DIR", "TIME_ZONE", "SECURE_COOKIES", "BEHIND_PROXY", "TRUSTED_PROXIES",
            "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        ],
    ),
    (
        "Database",
        [
            "DATABASE_URL", "CONN_MAX_AGE", "DB_CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DB_STATEMENT_TIMEOUT",
            "DATABASE_REPLICA_URL", "REPLICA_MAX_LAG_SECONDS", "REPLICA_PIN_SECONDS", "REPLICA_RETRY_SECONDS",
            "REPLICA_EXCLUDED_PATHS", "REPLICA_CONNECT_TIMEOUT",
        ],
    ),
    ("Redis and background tasks", ["REDIS_URL", "CACHE_RETRY_AFTER", "TASKS_BACKEND", "RQ_REDIS_URL",
                                    "OUTBOX_STALE_AFTER", "OUTBOX_SWEEP_INTERVAL", "OUTBOX_LEASE",
                                    "SCHEDULER_RUNS_KEEP_DAYS",
                                    "EXTRACTION_LEASE", "EXTRACTION_ATTEMPTS"]),
    (
        "Files",
        [
            "MEDIA_ROOT", "STORAGE_BACKEND", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_PUBLIC_ENDPOINT_URL",
            "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_REGION", "S3_CONNECT_TIMEOUT", "S3_READ_TIMEOUT",
            "STORAGE_MAX_CALLS", "STORAGE_WAIT_TIMEOUT", "PRIVATE_FILES_DELIVERY", "PRIVATE_FILES_X_ACCEL_PREFIX",
            "DOCUMENT_UPLOAD_MAX_BYTES", "DOCUMENT_UPLOAD_MAX_FILES", "DOCUMENT_UPLOAD_MAX_TOTAL_BYTES",
            "HELD_UPLOAD_TTL_HOURS", "DOCUMENT_EXTRACT_MEMORY_MB", "DOCUMENT_EXTRACT_CPU_SECONDS",
            "DOCUMENT_EXTRACT_MAX_PAGES",
            "DOCUMENT_TEXT_MAX_CHARS", "DOCUMENT_ZIP_MAX_FILES", "DOCUMENT_ZIP_MAX_BYTES",
            "RECONCILIATION_UPLOAD_MAX_BYTES", "RECONCILIATION_MAX_ROWS", "RECONCILIATION_PARSE_SECONDS",
        ],
    ),
    (
        "Sign-in, sessions and limits",
        [
            "REMEMBER_ME_AGE", "BROWSER_SESSION_MAX_AGE", "SESSION_IDLE_TIMEOUT", "PASSWORD_RESET_TIMEOUT",
            "LOGIN_FAILURE_LIMIT",
            "LOGIN_FAILURE_WINDOW", "LOGIN_IP_FAILURE_LIMIT", "LOGIN_ACCOUNT_FAILURE_LIMIT", "LOGIN_DELAY_BASE",
            "LOGIN_DELAY_MAX", "LOGIN_DEVICE_COOKIE_AGE", "PASSWORD_RESET_LIMIT_PER_PHONE",
            "PASSWORD_RESET_LIMIT_PER_IP", "COMPANY_LOOKUP_LIMIT_PER_IP", "COMPANY_SUBMIT_LIMIT_PER_IP",
            "COMPANY_SUBMIT_LIMIT_PER_USER", "INVITATION_TTL_DAYS", "INVITATION_RESEND_LIMIT", "JOIN_STAFF_APPROVAL",
        ],
    ),
    (
        "SMS and e-mail",
        [
            "SMS_BACKEND", "SMS_FILE_PATH", "SMS_SENDER", "SMS_TIMEOUT", "SMSRU_API_ID", "SMSRU_URL", "SMSC_LOGIN",
            "SMSC_PASSWORD", "SMSC_URL", "SMS_CODE_LENGTH", "SMS_CODE_TTL", "SMS_CODE_ATTEMPTS",
            "SMS_RESEND_INTERVAL", "SMS_DAILY_LIMIT_PER_PHONE", "SMS_HOURLY_LIMIT_PER_IP", "SMS_DELIVERY_ATTEMPTS",
            "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS",
            "DEFAULT_FROM_EMAIL", "QUIET_HOURS_START", "QUIET_HOURS_END",
        ],
    ),
    (
        "Telegram",
        [
            "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_USERNAME", "TELEGRAM_API_URL", "TELEGRAM_WEBHOOK_SECRET",
            "TELEGRAM_TIMEOUT", "TELEGRAM_LINK_CODE_TTL", "TELEGRAM_DELIVERY_ATTEMPTS",
        ],
    ),
    ("Company lookup", ["COMPANY_LOOKUP", "DADATA_TOKEN", "DADATA_URL", "DADATA_TIMEOUT"]),
    (
        "Integration API and webhooks",
        ["API_MAX_ROWS", "API_EVENT_LAG_SECONDS", "API_MAX_BODY_BYTES", "API_MAX_JSON_DEPTH", "WEBHOOK_TIMEOUT",
         "WEBHOOK_ATTEMPTS", "WEBHOOK_ALLOWED_NETWORKS"],
    ),
    ("Portal behaviour", ["PAYMENTS_DUE_AT", "PAYMENTS_DUE_DAYS", "APPEAL_RESPONSE_HOURS", "KABINET_PAGE_SIZE",
                          "EXPORT_MAX_ROWS", "CLOSING_DOCUMENTS_NOTICE_DAY", "CLOSING_DOCUMENTS_NOTICE_AT"]),
    (
        "Operations: logs, metrics, errors",
        ["LOG_FORMAT", "LOG_LEVEL", "METRICS_ALLOWED_IPS", "METRICS_TOKEN", "PROMETHEUS_MULTIPROC_DIR", "SENTRY_DSN",
         "SENTRY_ENVIRONMENT", "SENTRY_TRACES_SAMPLE_RATE"],
    ),
    ("gunicorn (deploy/gunicorn.conf.py)", ["GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT",
                                            "FORWARDED_ALLOW_IPS"]),
]  # fmt: skip

DESCRIPTIONS: dict[str, str] = {
    # Core and security
    "DEBUG": "Django's debug pages. Refused at start when ALLOWED_HOSTS names a host other than loopback.",
    "SECRET_KEY": "Signs sessions, reset links and CSRF tokens. For a non-loopback host: 50+ characters, 10+ "
    "distinct, not the development key (refused at start otherwise; `check --deploy` warns on loopback).",
    "ALLOWED_HOSTS": "Host names the portal answers (comma-separated). /healthz, /readyz and /metrics answer any Host.",
    "CSRF_TRUSTED_ORIGINS": "Origins allowed to POST, e.g. `https://portal.example.ru`.",
    "PORTAL_URL": "The portal's address in e-mails, SMS links and the calendar subscription; unset, `manage.py "
    "serve` (`make run`) sets it from the address it serves on. With `https://` SECURE_COOKIES=1 is required.",
    "PORTAL_HOST": "The host in calendar UIDs, so they never depend on the request.",
    "WEBAUTHN_RP_ID": "The relying-party id of passkeys: the portal's host name (never an IP address). Changing it "
    "makes every passkey already added unusable.",
    "WEBAUTHN_ORIGINS": "The origins (scheme, host, port) a passkey answer may come from, comma-separated.",
    "KABINET_VAR_DIR": "Folder of the SQLite database, media and SMS outbox by default; `/var/lib/kabinet` "
    "under systemd (`StateDirectory=kabinet`) and in the image.",
    "TIME_ZONE": "Time zone of dates shown and of daily jobs.",
    "SECURE_COOKIES": "Session and CSRF cookies only over https. Required when PORTAL_URL, CSRF_TRUSTED_ORIGINS "
    "or SECURE_SSL_REDIRECT say https.",
    "BEHIND_PROXY": "Behind a reverse proxy: trust its X-Forwarded-Proto; needs TRUSTED_PROXIES.",
    "TRUSTED_PROXIES": "Addresses or networks of your reverse proxies: X-Forwarded-For and X-Request-ID are "
    "believed only from them. Each entry is checked at start.",
    "SECURE_SSL_REDIRECT": "Redirect http to https (not /healthz, /readyz, /metrics: probes speak http).",
    "SECURE_HSTS_SECONDS": "HSTS max-age; start short (3600), then a year.",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "HSTS for subdomains too.",
    "SECURE_HSTS_PRELOAD": "Ask for the browsers' HSTS preload list.",
    # Database
    "DATABASE_URL": "The primary database, e.g. `postgres://user:pass@db:5432/kabinet`; SQLite (WAL) in "
    "KABINET_VAR_DIR by default.",
    "CONN_MAX_AGE": "Seconds a process keeps its database connection.",
    "DB_CONN_MAX_AGE": "The old name of CONN_MAX_AGE (read when CONN_MAX_AGE is not set).",
    "CONN_HEALTH_CHECKS": "Test a kept connection before reusing it (a restarted server costs no 500).",
    "DB_STATEMENT_TIMEOUT": "PostgreSQL `statement_timeout` in seconds (0: none); must be shorter than "
    "GUNICORN_TIMEOUT (checked at start).",
    "DATABASE_REPLICA_URL": "A streaming replica: client pages' GETs read there, except right after a write.",
    "REPLICA_MAX_LAG_SECONDS": "A replica further behind is skipped (reads go to the primary).",
    "REPLICA_PIN_SECONDS": "After a write the browser reads the primary this long.",
    "REPLICA_RETRY_SECONDS": "A replica found down is tried again after this long.",
    "REPLICA_EXCLUDED_PATHS": "Path prefixes that always read the primary.",
    "REPLICA_CONNECT_TIMEOUT": "Seconds to wait for the replica's connection.",
    # Redis and tasks
    "REDIS_URL": "Redis for the cache (rate-limit counters, cached fragments) and sessions' cache (`cached_db`). "
    "With Redis gone the portal degrades: sessions from the database, limits counted in the database, "
    "/readyz `degraded`.",
    "CACHE_RETRY_AFTER": "Seconds between tries of a Redis found down (rate limits are counted in the database "
    "meanwhile, sessions read from it).",
    "EXTRACTION_LEASE": "Seconds after which a text extraction that has not finished is taken for lost (its "
    "worker killed) and queued again.",
    "EXTRACTION_ATTEMPTS": "Runs of a document's text extraction before it is marked «текст не извлечён».",
    "TASKS_BACKEND": "`django_tasks_db.DatabaseBackend` (`manage.py db_worker`) or `django_tasks_rq.RQBackend` "
    "(needs REDIS_URL; `manage.py rqworker`).",
    "RQ_REDIS_URL": "Redis of the RQ queue, when not REDIS_URL.",
    "OUTBOX_STALE_AFTER": "An SMS or webhook still waiting this long is queued again by the scheduler.",
    "OUTBOX_SWEEP_INTERVAL": "How often the scheduler looks for such rows.",
    "SCHEDULER_RUNS_KEEP_DAYS": "The scheduler's record of each job run (shown in «Служебное») is kept this many days.",
    "OUTBOX_LEASE": "How long a worker holds a message it sends; longer than twice SMS_TIMEOUT and "
    "WEBHOOK_TIMEOUT (checked at start).",
    # Files
    "MEDIA_ROOT": "Folder of the private files with STORAGE_BACKEND=filesystem.",
    "STORAGE_BACKEND": "`filesystem` or `s3`.",
    "S3_BUCKET": "The bucket (required with `s3`); create it with `manage.py create_bucket`.",
    "S3_ENDPOINT_URL": "The S3 endpoint the app talks to (MinIO: `http://minio:9000`); empty for AWS.",
    "S3_PUBLIC_ENDPOINT_URL": "The endpoint browsers reach, for presigned links (e.g. `https://files.example.ru`); "
    "empty: S3_ENDPOINT_URL.",
    "S3_ACCESS_KEY": "S3 access key.",
    "S3_SECRET_KEY": "S3 secret key (use S3_SECRET_KEY_FILE for a secret file).",
    "S3_REGION": "S3 region.",
    "S3_CONNECT_TIMEOUT": "Seconds to connect to S3.",
    "S3_READ_TIMEOUT": "Seconds to wait for S3's answer; with the retry, well below GUNICORN_TIMEOUT.",
    "STORAGE_MAX_CALLS": "Threads of one app process that may wait on S3 at once; below GUNICORN_THREADS "
    "(checked at start), so a slow S3 leaves each worker threads for the pages.",
    "STORAGE_WAIT_TIMEOUT": "Seconds a request waits for one of those before the 503 «Хранилище файлов отвечает "
    "медленно» with Retry-After.",
    "PRIVATE_FILES_DELIVERY": "`direct` (the app streams), `x-accel` (nginx serves after the app's check) or "
    "`s3-presigned` (needs STORAGE_BACKEND=s3, checked at start).",
    "PRIVATE_FILES_X_ACCEL_PREFIX": "nginx's internal location mapped to MEDIA_ROOT.",
    "DOCUMENT_UPLOAD_MAX_BYTES": "Largest uploaded file.",
    "DOCUMENT_UPLOAD_MAX_FILES": "Files in one upload.",
    "RECONCILIATION_UPLOAD_MAX_BYTES": "Largest client's акт сверки or 1С account card (XLSX or CSV) for the "
    "two-sided comparison.",
    "RECONCILIATION_MAX_ROWS": "Rows read from that file; a longer one is refused in words.",
    "RECONCILIATION_PARSE_SECONDS": "Seconds the reading of that file may take; a slower one is refused in words.",
    "DOCUMENT_UPLOAD_MAX_TOTAL_BYTES": "All files of one upload together.",
    "DOCUMENT_EXTRACT_MEMORY_MB": "Memory of the child process that reads a PDF's text; past it the document is "
    "marked «текст не извлечён».",
    "DOCUMENT_EXTRACT_CPU_SECONDS": "CPU seconds of that child process (killed past them).",
    "DOCUMENT_EXTRACT_MAX_PAGES": "Pages of a PDF read for the search.",
    "HELD_UPLOAD_TTL_HOURS": "Files of a form returned with an error are kept this long.",
    "DOCUMENT_TEXT_MAX_CHARS": "Text kept from a document for the search.",
    "DOCUMENT_ZIP_MAX_FILES": "Files in one ZIP download.",
    "DOCUMENT_ZIP_MAX_BYTES": "Bytes in one ZIP download.",
    # Sign-in
    "REMEMBER_ME_AGE": "Session lifetime with «Запомнить меня».",
    "BROWSER_SESSION_MAX_AGE": "Session lifetime without it.",
    "SESSION_IDLE_TIMEOUT": "Seconds without the user's activity after which any session ends (with «Запомнить "
    "меня» too).",
    "PASSWORD_RESET_TIMEOUT": "A reset link is valid this long.",
    "LOGIN_FAILURE_LIMIT": "Failed sign-ins per phone and address in the window.",
    "LOGIN_FAILURE_WINDOW": "The window of the sign-in limits.",
    "LOGIN_IP_FAILURE_LIMIT": "Failed sign-ins from one address, any phones.",
    "LOGIN_ACCOUNT_FAILURE_LIMIT": "Failed sign-ins against one phone, any addresses.",
    "LOGIN_DELAY_BASE": "First wait past the per-phone limit; doubles with each failure.",
    "LOGIN_DELAY_MAX": "Longest such wait.",
    "LOGIN_DEVICE_COOKIE_AGE": "A browser the owner signed in from is remembered this long (never delayed).",
    "PASSWORD_RESET_LIMIT_PER_PHONE": "«Забыли пароль?» requests per phone an hour.",
    "PASSWORD_RESET_LIMIT_PER_IP": "«Забыли пароль?» requests per address an hour.",
    "COMPANY_LOOKUP_LIMIT_PER_IP": "Company suggestions per address a minute.",
    "COMPANY_SUBMIT_LIMIT_PER_IP": "Registration / «Добавить организацию» submissions per address an hour.",
    "COMPANY_SUBMIT_LIMIT_PER_USER": "The same per user.",
    "INVITATION_TTL_DAYS": "An employee's invitation is valid this many days.",
    "INVITATION_RESEND_LIMIT": "More invitation SMS to one phone from one organization an hour.",
    "JOIN_STAFF_APPROVAL": "A request to join a company also waits for the lessor's staff.",
    # SMS and e-mail
    "SMS_BACKEND": "`kabinet.messaging.sms.ConsoleBackend`, `…FileBackend`, `…SmsRuBackend`, `…SmscBackend`.",
    "SMS_FILE_PATH": "Outbox folder of the file backend (`manage.py sms_outbox`).",
    "SMS_SENDER": "An approved sender name.",
    "SMS_TIMEOUT": "Seconds to wait for the SMS gateway.",
    "SMSRU_API_ID": "sms.ru key.",
    "SMSRU_URL": "sms.ru endpoint.",
    "SMSC_LOGIN": "smsc.ru login.",
    "SMSC_PASSWORD": "smsc.ru password.",
    "SMSC_URL": "smsc.ru endpoint.",
    "SMS_CODE_LENGTH": "Digits of a code.",
    "SMS_CODE_TTL": "A code is valid this long.",
    "SMS_CODE_ATTEMPTS": "Tries per code.",
    "SMS_RESEND_INTERVAL": "Wait before a new code.",
    "SMS_DAILY_LIMIT_PER_PHONE": "Codes per phone a day.",
    "SMS_HOURLY_LIMIT_PER_IP": "Codes per address an hour.",
    "SMS_DELIVERY_ATTEMPTS": "Tries to send one SMS.",
    "EMAIL_BACKEND": "Django's e-mail backend; SMTP: `django.core.mail.backends.smtp.EmailBackend`.",
    "EMAIL_HOST": "SMTP host.",
    "EMAIL_PORT": "SMTP port.",
    "EMAIL_HOST_USER": "SMTP user.",
    "EMAIL_HOST_PASSWORD": "SMTP password.",
    "EMAIL_USE_TLS": "STARTTLS.",
    "DEFAULT_FROM_EMAIL": "Sender of the portal's e-mails.",
    "QUIET_HOURS_START": "Start of the quiet hours (HH:MM, the organization's time zone): SMS and Telegram notices "
    "due from then wait until QUIET_HOURS_END; codes never wait.",
    "QUIET_HOURS_END": "End of the quiet hours (HH:MM); equal to QUIET_HOURS_START turns them off.",
    # Telegram
    "TELEGRAM_BOT_TOKEN": "The bot's token from @BotFather; empty hides the Telegram channel.",
    "TELEGRAM_BOT_USERNAME": "The bot's username without @, for the `t.me/<bot>?start=<code>` link.",
    "TELEGRAM_API_URL": "Bot API base URL (a local Bot API server or a test double may replace it).",
    "TELEGRAM_WEBHOOK_SECRET": "The `secret_token` given to setWebhook; the webhook refuses (403) an update "
    "without this `X-Telegram-Bot-Api-Secret-Token`. Empty: the webhook is off (use `manage.py telegram_poll`).",
    "TELEGRAM_TIMEOUT": "Seconds to wait for the Bot API.",
    "TELEGRAM_LINK_CODE_TTL": "Seconds a «Подключить Telegram» code stays valid (used once).",
    "TELEGRAM_DELIVERY_ATTEMPTS": "Tries to send one Telegram message.",
    # Company lookup
    "COMPANY_LOOKUP": "`local` (the registry staff load from CSV) or `dadata`.",
    "DADATA_TOKEN": "DaData API key.",
    "DADATA_URL": "DaData endpoint.",
    "DADATA_TIMEOUT": "Seconds to wait for DaData.",
    # API
    "API_MAX_ROWS": "Rows in one bulk call.",
    "API_EVENT_LAG_SECONDS": "The event feed shows events older than this (commits in flight settle).",
    "API_MAX_BODY_BYTES": "Largest API request body.",
    "API_MAX_JSON_DEPTH": "Deepest JSON nesting accepted.",
    "WEBHOOK_TIMEOUT": "Seconds to wait for a webhook receiver.",
    "WEBHOOK_ATTEMPTS": "Tries per webhook delivery.",
    "WEBHOOK_ALLOWED_NETWORKS": "Private networks webhooks may reach (all others are refused).",
    # Portal
    "PAYMENTS_DUE_AT": "Local time of the daily payment reminders (HH:MM).",
    "PAYMENTS_DUE_DAYS": "Days ahead of a due date `manage.py notify_payments_due` looks (the daily job reminds "
    "on each creditor's reminder days instead).",
    "CLOSING_DOCUMENTS_NOTICE_DAY": "Day of the month from which «closing documents of last month are ready» goes out.",
    "CLOSING_DOCUMENTS_NOTICE_AT": "Local time of the monthly closing-documents notice (HH:MM).",
    "APPEAL_RESPONSE_HOURS": "A request not moved this long is overdue in the back office.",
    "KABINET_PAGE_SIZE": "Rows per page of the lists.",
    "EXPORT_MAX_ROWS": "Rows in an Excel export of a list.",
    # Operations
    "LOG_FORMAT": "`plain` or `json` (one object a line). One line per request with the request id; URL "
    "secrets (feed, reset, invitation tokens) redacted.",
    "LOG_LEVEL": "Level of the root logger.",
    "METRICS_ALLOWED_IPS": "Who may read /metrics (addresses or networks; `0.0.0.0/0` is refused).",
    "METRICS_TOKEN": "Or `Authorization: Bearer <token>` from anywhere.",
    "PROMETHEUS_MULTIPROC_DIR": "An empty folder for prometheus_client's multiprocess mode under gunicorn.",
    "SENTRY_DSN": "Send errors to Sentry (no personal data).",
    "SENTRY_ENVIRONMENT": "Sentry's environment name.",
    "SENTRY_TRACES_SAMPLE_RATE": "Share of requests traced (0–1).",
    # gunicorn
    "GUNICORN_BIND": "Address and port of the app process.",
    "GUNICORN_WORKERS": "Worker processes.",
    "GUNICORN_THREADS": "Threads per worker (more than 1: the gthread worker); above STORAGE_MAX_CALLS.",
    "GUNICORN_TIMEOUT": "A worker silent this long is killed; longer than DB_STATEMENT_TIMEOUT.",
    "FORWARDED_ALLOW_IPS": "gunicorn trusts X-Forwarded-* from these (`*` inside a private network).",
}

# Defaults that are expressions in the code, said in words.
DEFAULTS: dict[str, str] = {
    "SECRET_KEY": "the public development key (accepted on loopback only)",
    "ALLOWED_HOSTS": "`127.0.0.1`, `localhost`, `[::1]`",
    "KABINET_VAR_DIR": "`var/` of the checkout",
    "PORTAL_HOST": "the host of PORTAL_URL",
    "WEBAUTHN_RP_ID": "the host of PORTAL_URL (`localhost` for an IP address)",
    "WEBAUTHN_ORIGINS": "the origin of PORTAL_URL with that host",
    "DATABASE_URL": "`sqlite:///<KABINET_VAR_DIR>/db.sqlite3`",
    "CONN_MAX_AGE": "DB_CONN_MAX_AGE, else `60`",
    "SMS_FILE_PATH": "`<KABINET_VAR_DIR>/sms-outbox`",
    "MEDIA_ROOT": "`<KABINET_VAR_DIR>/media`",
    "RQ_REDIS_URL": "REDIS_URL",
}
