"""Settings for the vertebroplasty pathway service.

One file, driven by environment variables (listed in .env.example). DEBUG is off unless asked for;
with DEBUG off, a secret key must be provided.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# The test suite runs with production settings (DEBUG off) and a throwaway key.
TESTING = "pytest" in sys.modules

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-key-for-debug-and-tests-only"  # noqa: S105 (never used in production)
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (see .env.example), or set DJANGO_DEBUG=1 for local development."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "pathway",
    "consent",
    "interop",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.security.UploadLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "pathway.core.access_log.AccessLogMiddleware",  # who saw what: rows for each page of patient data
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.security.SecurityHeadersMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the login page with the lockout message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "dashboard.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite for a small unit (make run): readers never block the writer (WAL); a transaction takes
    # the write lock when it begins (IMMEDIATE), so two writers queue instead of one failing with
    # "database is locked" half-way; a busy database is waited for, up to 20 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000",
        }
    )

# The cache holds worklist counts under per-list generations and the single-flight locks
# (pathway.core.cache). Several workers must share it, or a write seen by one worker would leave the
# others serving counts up to WORKLIST_CACHE_SECONDS old: Redis when REDIS_URL is set (every
# deployment with more than one process), local memory otherwise (make run: one process).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "vp"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lockout (django-axes): DJANGO_LOCKOUT_FAILURES failed sign-ins for one username lock that
# username for DJANGO_LOCKOUT_MINUTES. By username only, never by IP: a ward shares one PC and one IP.
# The axes backend only refuses locked-out usernames; ModelBackend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with each user's permissions kept in the shared cache (accounts/backends.py).
    "accounts.backends.CachedPermissionsBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# Tries while locked do not extend the lock: it ends DJANGO_LOCKOUT_MINUTES after the lockout.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Axes' own log lines name the account by user id, never by the typed username (which may be a
# password typed in the wrong box).
AXES_CLIENT_STR_CALLABLE = "accounts.lockout.client_str"
# axes.W006 asks for the IP address among the lockout parameters; locking by IP would lock a whole ward
# out at once (one PC, one IP), so the lock is by username by design.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Second factor (django-otp, TOTP): required for the admin site and for users holding a permission
# of accounts.roles.TWO_FACTOR_PERMISSIONS (accounts.middleware.TwoFactorMiddleware).
OTP_TOTP_ISSUER = "IR Vertebroplasty"
# The admin never shows a device's secret (an administrator removes a lost device; its owner enrols again).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions end after SESSION_IDLE_TIMEOUT_S seconds without a request and SESSION_ABSOLUTE_TIMEOUT_S
# after sign-in whatever happens (accounts.middleware.IdleTimeoutMiddleware).
SESSION_IDLE_TIMEOUT_S = int(os.environ.get("DJANGO_SESSION_IDLE_TIMEOUT_S", "900"))
SESSION_ABSOLUTE_TIMEOUT_S = int(os.environ.get("DJANGO_SESSION_ABSOLUTE_TIMEOUT_S", str(12 * 60 * 60)))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sessions end when the browser closes; the stored session expires 8 hours after its last save (the
# idle and 12-hour limits above are enforced by accounts.middleware.IdleTimeoutMiddleware).
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the signature pad posts a normal form; no JS reads the cookie

# Security: HTTPS settings are switchable for deployments behind a TLS-terminating proxy.
SECURE_HTTPS = env_bool("DJANGO_SECURE_HTTPS", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000" if SECURE_HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from the project's own static files (no inline
# script, no eval); inline style attributes are allowed (the signature boxes and PDF tables use them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Uploads (scanned paper consent forms): refused with 413 above this size, before being read
# (config.security.UploadLimitMiddleware); the type is checked by content (consent.signatures.scan_kind).
UPLOAD_MAX_BYTES = int(float(os.environ.get("DJANGO_UPLOAD_MAX_MB", "10")) * 1024 * 1024)
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Logging: structured, no patient identifiers or free text (only ids and event names are logged).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs the full request path on errors; paths hold only numeric ids here.
        "django.db.backends": {"level": "WARNING"},
    },
}

# Demo-data safety: seed_demo refuses to run unless DEBUG is on (or --force is given).
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (demo data only, refused in production)
