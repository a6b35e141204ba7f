"""Settings shared by every environment, read from environment variables.

Each environment module (local, test, production) imports from here and
adjusts what differs. Docs: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer's .env is read if present; real environments set variables directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Service URLs (unprefixed). Empty means "not configured": local falls back to the
# embedded default, production refuses to start.
DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")

INSTALLED_APPS = [
    "accounts.apps.CpoAdminConfig",  # the admin with our branded, role-aware site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "django_htmx",
    "axes",
    "csp",
    # Our apps, in dependency order (each may import only those above it).
    "accounts",
    "portfolio",
    "roadmaps",
    "kpis",
    "hiring",
    "health",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the request user on history rows written by the admin.
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes must be last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpo.urls"
WSGI_APPLICATION = "cpo.wsgi.application"
ASGI_APPLICATION = "cpo.asgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(DATABASE_URL)
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
}
# Persistent connections: a new PostgreSQL connection per request costs ~7 ms
# (STACK.md floors: 130 → 600 req/s on a list page).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username before any other backend is asked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

_PV = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _PV + "UserAttributeSimilarityValidator"},
    {"NAME": _PV + "MinimumLengthValidator"},
    {"NAME": _PV + "CommonPasswordValidator"},
    {"NAME": _PV + "NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# "today" for the health engine is the date in this zone (SPEC §2).
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# https://docs.djangoproject.com/en/5.2/ref/settings/#storages
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Cache: login lockouts and API rate limits count here, so with several web
# workers it must be shared (Redis); the in-process cache suits only one process.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cpo",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security headers. https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.middleware.security
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# django-csp 4: only the app's own scripts run; no inline script, no eval.
# Inline *styles* stay allowed: the admin and Swagger UI set style attributes.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Login lockout (django-axes). SPEC §3: 5 failures for one username within
# 15 minutes lock it for 15 minutes, on every way in.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Counts in the cache above (Redis when REDIS_URL is set): shared by all workers;
# a window of 15 minutes, not axes' "since the first failure" (accounts/lockout.py).
AXES_HANDLER = "accounts.lockout.WindowedCacheHandler"
# Attempts refused during a lockout do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# W006 asks to lock by IP address as well; SPEC §3 locks by username on purpose,
# so a shared office IP never locks out colleagues.
# The in-process cache (no REDIS_URL) counts per process: right for the embedded
# default (one process), which is why production requires REDIS_URL.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- REST API. https://www.django-rest-framework.org/api-guide/settings/
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="20000/hour")
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "no credentials" a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox tokens as `Bearer <key>` or `Token <key>` (accounts/authentication.py).
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cpo.common.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        # Strict variants: a bad search or ordering parameter is a 400.
        "cpo.common.filters.StrictSearchFilter",
        "cpo.common.filters.StrictOrderingFilter",
    ],
    # Per user (per IP when anonymous), at the rate API_RATE_LIMIT; counted in the
    # shared cache.
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.UserRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "cpo.common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "cpo.common.exceptions.api_exception_handler",
    # JSON only: other tools send JSON, and form encoding would turn every value
    # into a string (types are checked, see cpo/common/serializers.py).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# knox tokens: stored as a SHA-512 digest, 30-day life, revocable.
# https://jazzband.github.io/django-rest-knox/settings/
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTO_REFRESH": False,
}

# drf-spectacular; Swagger UI and ReDoc come from the sidecar package (no CDN).
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "CPO Portfolio API",
    "DESCRIPTION": "Products, roadmaps, KPIs, hiring and portfolio health.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Anonymous users reach only the login, the token endpoint and /healthz (SPEC §3).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cpo.common.schema.finish_schema",
    ],
    # Names for choice sets shared by several fields (else "Status23cEnum").
    "ENUM_NAME_OVERRIDES": {
        "HealthStatusEnum": "portfolio.models.HealthStatus",
        "RunStateEnum": "health.models.RunState",
        "ComponentNameEnum": "health.scoring.COMPONENT_NAMES",
    },
    # Base-class docstrings are about the code, not for a client's reader.
    "GET_LIB_DOC_EXCLUDES": "accounts.schema.lib_doc_excludes",
}

# --- Celery. https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# A task is acknowledged only when done; a dead worker's task is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged task after this many seconds: longer than the
# hard time limit, so a slow task is never run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
}
CELERY_TIMEZONE = TIME_ZONE
# A full recompute's chunks (health.services.chunk_size_for; docs/scaling.md):
# up to this many products each, while a run keeps at least this many chunks.
HEALTH_CHUNK_SIZE = env.int("HEALTH_CHUNK_SIZE", default=1000)
HEALTH_MIN_CHUNKS = env.int("HEALTH_MIN_CHUNKS", default=8)
# The beat schedule: every periodic job of the app, in one place.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "purge-expired-api-tokens": {
        "task": "accounts.tasks.tokens_purge_expired_task",
        "schedule": timedelta(hours=24),
    },
    # SPEC §2: a full recompute every hour, a portfolio point at least daily,
    # and the daily thinning of old snapshots.
    "health-recompute-all": {
        "task": "health.tasks.health_recompute_all_task",
        "schedule": timedelta(hours=1),
    },
    "health-portfolio-snapshot": {
        "task": "health.tasks.health_portfolio_snapshot_task",
        "schedule": timedelta(hours=24),
    },
    "health-snapshots-prune": {
        "task": "health.tasks.health_snapshots_prune_task",
        "schedule": timedelta(hours=24),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
    },
}
