"""Django settings, configured from the environment (see README "Configuration")."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("FAKTURA_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The key from SECRET_KEY, else one generated once into the data directory."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("FAKTURA_DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("FAKTURA_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("FAKTURA_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # django-ninja's own static files: the API docs page loads Swagger UI from this server,
    # with no inline script (the Content-Security-Policy) and no CDN.
    "ninja",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "faktura.common",
    "faktura.tenancy",
    "faktura.contacts",
    "faktura.catalog",
    "faktura.work",
    "faktura.documents",
    "faktura.billing",
    "faktura.subscriptions",
    "faktura.billingreview",
    "faktura.receivables",
    "faktura.offers",
    "faktura.frameorders",
    "faktura.integrations",
    "faktura.reports",
    "faktura.web",
    "faktura.console",
]

MIDDLEWARE = [
    # First: the time it reports covers every other middleware and the view.
    "faktura.common.timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "faktura.common.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "faktura.tenancy.middleware.TenantMiddleware",
    "faktura.web.middleware.ContentSecurityPolicyMiddleware",
    # Last: turns a refused sign-in (too many failures) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "faktura.config.urls"
WSGI_APPLICATION = "faktura.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "faktura.web.context.navigation",
            ],
        },
    },
]

# Selects render in Python (same markup): option-per-template rendering was most of the
# server time of pages with long selects.
FORM_RENDERER = "faktura.web.forms.renderer.FormRenderer"

# --- database -------------------------------------------------------------------------------
_sqlite_default = f"sqlite:///{DATA_DIR / 'faktura.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _sqlite_default), conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on busy_timeout instead of failing with "database is locked" mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- background tasks -----------------------------------------------------------------------
_tasks_mode = os.environ.get("FAKTURA_TASKS", "db")
if _tasks_mode == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif _tasks_mode == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif _tasks_mode == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise RuntimeError(f"FAKTURA_TASKS must be db, rq or immediate, not {_tasks_mode!r}")
# A running operation's worker renews its lease every sixth of this; an operation whose lease
# ran out lost its worker and is marked failed (interrupted).
# Accounting sync (integrations): the worker's outbox pass, provider timeouts and retries.
FAKTURA_SYNC_INTERVAL_SECONDS = int(os.environ.get("FAKTURA_SYNC_INTERVAL_SECONDS", "10"))
FAKTURA_SYNC_TIMEOUT_SECONDS = int(os.environ.get("FAKTURA_SYNC_TIMEOUT_SECONDS", "10"))
FAKTURA_SYNC_BACKOFF_SECONDS = int(os.environ.get("FAKTURA_SYNC_BACKOFF_SECONDS", "30"))
FAKTURA_SYNC_MAX_ATTEMPTS = int(os.environ.get("FAKTURA_SYNC_MAX_ATTEMPTS", "8"))
# A claimed outbox row is the worker's until its lease runs out; a pass claims rows in batches
# of at most this many (fewer when the workers could not finish them within one lease).
FAKTURA_SYNC_LEASE_SECONDS = int(os.environ.get("FAKTURA_SYNC_LEASE_SECONDS", "120"))
FAKTURA_SYNC_BATCH_SIZE = int(os.environ.get("FAKTURA_SYNC_BATCH_SIZE", "100"))
FAKTURA_OPERATION_LEASE_SECONDS = int(os.environ.get("FAKTURA_OPERATION_LEASE_SECONDS", "60"))

# --- auth -----------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Checked wherever a password is set: accepting an invitation, reset, change, `faktura init`.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a sign-in while the account or the address is locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_HTTPONLY = True
# Where links in e-mails point (https://faktura.example.com); empty: the request's address.
FAKTURA_BASE_URL = os.environ.get("FAKTURA_BASE_URL", "")
# An invitation link is valid this long (and once).
FAKTURA_INVITATION_DAYS = int(os.environ.get("FAKTURA_INVITATION_DAYS", "7"))
# The draft review warns when a line bills more than this factor times (or less than a
# fraction 1/factor of) what was logged, or when a line's amount exceeds the limit (0: off).
FAKTURA_SANITY_FACTOR = os.environ.get("FAKTURA_SANITY_FACTOR", "3")
FAKTURA_SANITY_MAX_AMOUNT = os.environ.get("FAKTURA_SANITY_MAX_AMOUNT", "100000")
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link is valid for one day (and once)

# --- login throttling (django-axes) ---------------------------------------------------------
# Failed sign-ins are counted per account and, separately, per client address; either one
# reaching the limit refuses further sign-ins (even with the right password) until the
# cool-off has passed. A successful sign-in clears the account's count. API bearer tokens do
# not sign in and are not counted.
AXES_FAILURE_LIMIT = int(os.environ.get("FAKTURA_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("FAKTURA_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "faktura.web.security.login_username"
AXES_CLIENT_IP_CALLABLE = "faktura.web.security.client_ip"
AXES_LOCKOUT_CALLABLE = "faktura.web.views.auth.locked_out"
AXES_VERBOSE = False


# --- HTTPS (behind a TLS proxy) and Content-Security-Policy ---------------------------------
def https_settings(enabled: bool) -> dict:
    """What FAKTURA_HTTPS=1 changes: the proxy terminates TLS and says so in
    X-Forwarded-Proto, so requests count as secure (the CSRF origin check then accepts
    https://host), cookies are sent over HTTPS only, and browsers are told to use HTTPS."""
    if not enabled:
        return {
            "SECURE_PROXY_SSL_HEADER": None,
            "SESSION_COOKIE_SECURE": False,
            "CSRF_COOKIE_SECURE": False,
            "SECURE_HSTS_SECONDS": 0,
            "FAKTURA_TRUST_FORWARDED_FOR": False,
        }
    return {
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": int(os.environ.get("FAKTURA_HSTS_SECONDS", "31536000")),
        # The proxy appends the client's address to X-Forwarded-For; login throttling
        # counts per that address instead of the proxy's.
        "FAKTURA_TRUST_FORWARDED_FOR": True,
    }


FAKTURA_HTTPS = _env_bool("FAKTURA_HTTPS")
globals().update(https_settings(FAKTURA_HTTPS))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent with every HTML page (faktura.web.middleware). No inline script or style anywhere in
# the UI: behaviour lives in static/web/app.js, htmx is configured not to inject its
# indicator styles, and a company's accent colour comes from /theme.css.
FAKTURA_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# Rendered documents: local files under the data directory, or any Django storage backend
# (S3-compatible via django-storages: FAKTURA_STORAGE=s3 plus AWS_STORAGE_BUCKET_NAME,
# AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from the environment).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("FAKTURA_STORAGE") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", "faktura"),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- e-mail ---------------------------------------------------------------------------------
if email_url := os.environ.get("EMAIL_URL"):
    _email = dj_email_url.parse(email_url)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
else:
    # Without EMAIL_URL nothing leaves the machine: each message (attachments included) is
    # written as a file to the data directory's mail/ folder, not dumped into the server log.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("FAKTURA_FROM_EMAIL", "faktura@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FAKTURA_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_CLASS = "faktura.common.pagination.Pagination"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
