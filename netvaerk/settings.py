"""Netværk settings: one file, read from the environment, defaults that need nothing.

Every variable is listed in README.md with its default. Without any of them the app runs on SQLite
under var/, prints mail to the console and runs Celery tasks inline.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NETVAERK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production"
DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "auditlog",
    "netvaerk",
    "netvaerk.outbox",
    "netvaerk.privacy",
    "circles",
    "mentoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "netvaerk.middleware.RefuseNulBytesMiddleware",
    "netvaerk.middleware.IdleSessionMiddleware",
    "netvaerk.middleware.TwoFactorMiddleware",
    "netvaerk.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the Danish lockout page
]

ROOT_URLCONF = "netvaerk.urls"
WSGI_APPLICATION = "netvaerk.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: DATABASE_URL, else SQLite under var/ tuned so the web server and the worker can share it.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "netvaerk.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 5,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "circles.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after this much idle time (seconds): office staff work at a desk, members on a phone.
SESSION_IDLE_TIMEOUT_STAFF = int(os.environ.get("SESSION_IDLE_TIMEOUT_STAFF", 8 * 60 * 60))
SESSION_IDLE_TIMEOUT_MEMBER = int(os.environ.get("SESSION_IDLE_TIMEOUT_MEMBER", 7 * 24 * 60 * 60))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # a password link (reset or invitation) works for 3 days
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out pair never reaches a password check
    "django.contrib.auth.backends.ModelBackend",  # username, as always
    "netvaerk.accounts.EmailBackend",  # or the e-mail address, when it is one user's only
]

# Two-factor login (django-otp): an authenticator app (TOTP) plus single-use backup codes. Staff
# (office, consultants, superusers) must use it where it is required: in production by default.
TWO_FACTOR_REQUIRED_FOR_STAFF = env_bool("TWO_FACTOR_REQUIRED_FOR_STAFF", not DEBUG)
OTP_TOTP_ISSUER = "Netværk"
OTP_TOTP_THROTTLE_FACTOR = 1  # a wrong code makes the next try wait 1, 2, 4, 8 … seconds
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the device admin never shows a secret key or a QR code

# Login throttling (django-axes): the pair of typed username (or e-mail, any case) and address is
# locked after AXES_FAILURE_LIMIT failures for AXES_COOLOFF_MINUTES; the office can lift it sooner.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "netvaerk.accounts.typed_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # trying while locked does not lengthen the lock
AXES_VERBOSE = False  # failures are in the office's lockout list, not in every log line
AXES_SENSITIVE_PARAMETERS = ["password", "new_password1", "new_password2", "otp_token"]
# The address is REMOTE_ADDR (django-ipware is not installed): behind a proxy, the proxy's own.

LANGUAGE_CODE = "da"
# Danish only until an English catalogue exists; strings are translatable so one can follow.
LANGUAGES = [("da", _("Dansk"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    # Uploaded minutes are private: never under STATIC/MEDIA URLs, served only through a checked view.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"base_url": None}},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
MINUTES_UPLOAD_MAX_BYTES = int(os.environ.get("MINUTES_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail: SMTP when EMAIL_HOST is set, else the console so a newcomer can follow the links.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Netværk <netvaerk@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587 if EMAIL_HOST else 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST) and EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 20))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", 8))
# A worker's claim on a mail goes stale after this many seconds (at least EMAIL_TIMEOUT + 10) and
# the sweeper (every OUTBOX_SWEEP_SECONDS) hands the mail to another worker.
OUTBOX_CLAIM_SECONDS = int(os.environ.get("OUTBOX_CLAIM_SECONDS", 45))
OUTBOX_SWEEP_SECONDS = int(os.environ.get("OUTBOX_SWEEP_SECONDS", 15))
# The most a request waits for a broker that is down; the sweeper publishes what it could not.
OUTBOX_PUBLISH_TIMEOUT = float(os.environ.get("OUTBOX_PUBLISH_TIMEOUT", 1))

# Celery: Redis when REDIS_URL is set; the server-less filesystem transport under var/ when
# CELERY_FILESYSTEM_BROKER is on (what `make run` does); otherwise tasks run inline.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_FILESYSTEM_BROKER = env_bool("CELERY_FILESYSTEM_BROKER", False)
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
if REDIS_URL:
    # the sign-up rate limits count across processes (gunicorn workers) in the shared cache
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "netvaerk",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        "visibility_timeout": 3600,
        "max_retries": 2,
    }
elif CELERY_FILESYSTEM_BROKER:
    CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(CELERY_BROKER_FOLDER),
        # Exchange tables (used by the worker's broadcast commands); the default is ./control.
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "netvaerk.outbox.tasks.sweep_outbox", "schedule": float(OUTBOX_SWEEP_SECONDS)},
    # Daily: due dates live in the database and every reminder has a unique key, so a missed or
    # doubled run neither loses nor repeats a mail (each job's catch-up window is in its service).
    "cadence-reminders": {"task": "circles.tasks.cadence_reminders", "schedule": crontab(hour=6, minute=5)},
    "office-digest": {"task": "circles.tasks.office_digest", "schedule": crontab(hour=6, minute=10)},
    "meeting-reminders": {"task": "circles.tasks.meeting_reminders", "schedule": crontab(hour=7, minute=0)},
    "minutes-overdue": {"task": "circles.tasks.minutes_overdue", "schedule": crontab(hour=8, minute=0)},
}
# The sweeper and the mails it rescues have their own queue, so they never wait behind a backlog;
# every worker consumes both: `celery -A netvaerk worker -Q celery,outbox-sweep`.
CELERY_TASK_ROUTES = {"netvaerk.outbox.tasks.sweep_outbox": {"queue": "outbox-sweep"}}

# Security. check --deploy passes with DJANGO_DEBUG=false; TLS ends at the proxy in front of us.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Privacy (GDPR Art. 9): the change log ties each change to the request's user (after the
# authentication middleware); the nightly retention job runs after the reminders.
MIDDLEWARE += ["netvaerk.privacy.middleware.ChangeLogMiddleware"]
AUDITLOG_DISABLE_ON_RAW_SAVE = True
# behind our own proxy only: the client address is the last X-Forwarded-For hop (the proxy wrote it)
PRIVACY_TRUST_X_FORWARDED_FOR = env_bool(
    "PRIVACY_TRUST_X_FORWARDED_FOR", False
)  # fixtures and migrations are not changes by a person
# the mentor programme's daily jobs (registered by the mentoring app with circles' job runner)
CELERY_BEAT_SCHEDULE["mentor-offers"] = {
    "task": "circles.tasks.run_job",
    "args": ["mentor_offers"],
    "schedule": crontab(hour=7, minute=15),
}
CELERY_BEAT_SCHEDULE["mentor-pairings"] = {
    "task": "circles.tasks.run_job",
    "args": ["mentor_pairings"],
    "schedule": crontab(hour=7, minute=20),
}
CELERY_BEAT_SCHEDULE["privacy-retention"] = {
    "task": "netvaerk.privacy.tasks.retention",
    "schedule": crontab(hour=2, minute=30),
}
