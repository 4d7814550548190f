"""Settings, all from the environment.

Unset, every variable falls back to the embedded first-run set-up: a SQLite file in the
project, the in-memory channel layer and a generated development secret. One variable each
switches to production services: ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (Redis for
the channel layer and the cache that rate limits share across processes).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no variable: 1, true, yes and on are true."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated variable into a list, ignoring blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string in production, "
            "or set DEBUG=1 for a development server with a generated key."
        )
    # Generated once per checkout and kept out of git, so sign-ins survive a restart of the
    # development server and no key ever ships in the repository.
    dev_key_file = BASE_DIR / "var" / "dev-secret-key"
    if not dev_key_file.exists():
        dev_key_file.parent.mkdir(exist_ok=True)
        dev_key_file.write_text(secrets.token_urlsafe(48))
    SECRET_KEY = dev_key_file.read_text().strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The number of proxies in front (nginx: 1). It decides which X-Forwarded-For entry is the
# client's address (rate limits, sign-in lockouts) and whether X-Forwarded-Proto is believed;
# 0 trusts only the socket's peer address and no forwarded header.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI's files, served from here: no CDN on the origin where tokens live.
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "interview",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that may answer, error pages included.
    "frontend.csp.ContentSecurityPolicyMiddleware",
    # Static files from the app itself: behind any proxy (Kubernetes ingress included) and
    # under DEBUG=0 without a separate file server. nginx serves them first where it runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out username or address before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "server.urls"
ASGI_APPLICATION = "asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two concurrent transactions queue on the timeout instead of failing mid-way with
    # "database is locked" when one upgrades its read lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Each thread keeps its connection: opening one runs the PRAGMAs above, and closing the
    # last one checkpoints the write-ahead log, both on every command otherwise.
    DATABASES["default"]["CONN_MAX_AGE"] = None

# Threads per process that run the sockets' database work (interview/live/dbcalls.py). The work is
# CPU in Python as much as waiting on the database, and the threads share one GIL with the
# event loop: past a few, more threads take turns from the fan-out instead of adding
# throughput. docs/benchmarks.md measures the choice.
DB_THREADS = int(os.environ.get("DB_THREADS", "3"))
# How long an event that overtook an earlier one waits for it before the room reads the gap
# from the database (interview/live/delivery.py). docs/benchmarks.md measures the choice.
DELIVERY_GAP_WAIT_S = 0.3
# Integrity signals and drafts commit a few per transaction (interview/live/groupcommit.py): a
# group takes at most this many commands and stops taking more after this much work, so a
# command waits for at most one group before its own. GROUP_COMMIT=0 gives each its own transaction.
GROUP_COMMIT = os.environ.get("GROUP_COMMIT", "1") != "0"
GROUP_COMMIT_MAX = 50
GROUP_COMMIT_BUDGET_S = 0.05

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool per process: a fresh PostgreSQL connection costs a backend fork and milliseconds,
    # and every database call of a socket (hello, welcome, each command) would open one.
    # max_size covers the DB_THREADS that run the sockets' database work plus HTTP requests;
    # several processes stay well below max_connections (100).
    # Server-side binding sends parameters apart from the SQL: psycopg then prepares a
    # statement after its fifth use on a connection, so PostgreSQL stops parsing and planning
    # the same few queries of every command (measured: bench/, docs/benchmarks.md).
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 2, "max_size": int(os.environ.get("DB_POOL_SIZE", "12"))},
        "server_side_binding": True,
    }

# `make test` sets a name per run, so concurrent runs on one machine never share a test
# database. For SQLite it is always a file, never the shared-memory default: a daphne started
# by a test must see the same data, and shared-cache memory databases fail concurrent writers
# with "table is locked" instead of waiting.
TEST_DATABASE_NAME = os.environ.get("TEST_DATABASE_NAME")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    TEST_DATABASE_NAME = TEST_DATABASE_NAME or str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")
if TEST_DATABASE_NAME:
    DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Keys of the channel layer and cache start with this; test runs set their own.
REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "interview")
# CHANNEL_LAYER picks the Redis layer: "pubsub" (Redis pub/sub, the default) or "core"
# (a list per channel, popped one message per round trip): core's one blocking pop per
# message falls behind a busy process's fan-out. Pub/sub delivers at most once; a socket that
# misses an event fills the gap from the database by seq, so nothing is lost either way.
# docs/benchmarks.md measures the choice.
CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub")
REDIS_HOSTS = {
    "address": REDIS_URL,
    # redis-py's asyncio pool defaults to 100 connections and then raises "Too many
    # connections" instead of waiting: under a burst of group sends (a reconnect storm, a big
    # room) that is an error per send. 1,000 stays far below Redis's own 10,000 clients for a
    # handful of server processes.
    "max_connections": 1000,
    # After a Redis restart the pool still holds the dead connections; each would fail one
    # command. A PING before reusing a connection idle this long finds and replaces them.
    "health_check_interval": 2,
    # redis-py 8 reads with a 5 s socket timeout by default, exactly channels_redis's 5 s
    # blocking pop: the pop loses the race now and then and every socket of the process dies
    # with "Timeout reading from redis". See: https://github.com/redis/redis-py/issues/4091
    "socket_timeout": 15,
}
if REDIS_URL and CHANNEL_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # See REDIS_HOSTS above for the pool's settings. Pub/sub has no capacity or
                # expiry: a message goes to the subscribed processes' in-memory queues at once.
                "hosts": [REDIS_HOSTS],
                "prefix": f"{REDIS_PREFIX}:asgi",
            },
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_HOSTS],
                "prefix": f"{REDIS_PREFIX}:asgi",
                # One channel per process (its hub, interview/live/delivery.py) receives every
                # event and presence change of all the sessions it holds sockets of. The
                # default 100 drops anything beyond silently: a reconnect storm of a
                # 2,000-spectator room is one presence message per arrival. 5,000 absorbs a
                # few seconds of a busy process's traffic; what is dropped beyond that is read
                # from the database by seq when the next event shows the gap.
                "capacity": 5000,
                # Undelivered messages of a dead process's hub expire after this; the default
                # 60 s keeps them long after its clients have reconnected elsewhere.
                "expiry": 30,
                # A hub stays in a session's group while the process holds sockets of it, and
                # leaves when the last one closes; only a dead process leaves it stale, until
                # this expires. It must exceed the longest session (a day); a stale member
                # costs a send to a channel nobody reads, which expires as above.
                "group_expiry": 86400,
            },
        }
    }
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
# Serve from the source folders too, so `make run` and the tests need no collectstatic.
WHITENOISE_USE_FINDERS = True
# Pyodide's files sit in a folder named by its version (`make vendor`): a new version is a new
# address, so browsers keep them for good (a year, immutable) instead of asking again after
# a minute. Beside each file that compresses is its gzip copy, which whitenoise sends to
# browsers that accept it, with or without collectstatic; nginx does the same (gzip_static).
WHITENOISE_IMMUTABLE_FILE_TEST = rf"^/{STATIC_URL}interview/vendor/pyodide/[^/]+/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# Sign-in lockouts (django-axes), on /accounts/login/ and /admin/login/ alike: after
# LOGIN_FAILURE_LIMIT failed sign-ins for one username from one address, that username is
# refused from that address for LOGIN_COOLOFF_MINUTES, even with the right password; after
# LOGIN_ADDRESS_FAILURE_LIMIT from one address, any usernames, so is everyone there
# (interview/api/sign_in.py). Every attempt meanwhile starts the wait over. Attempts are kept in
# the database, shared by all processes.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
AXES_HANDLER = "interview.api.sign_in.SignInLockoutHandler"
# The address the join rate limit counts too: behind NUM_PROXIES proxies, X-Forwarded-For's.
AXES_CLIENT_IP_CALLABLE = "interview.domain.throttling.request_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Sessions one interviewer may own that have not finished (409 too_many_sessions past it).
MAX_LIVE_SESSIONS_PER_USER = int(os.environ.get("MAX_LIVE_SESSIONS_PER_USER", "20"))

REST_FRAMEWORK = {
    # Token first: its authenticate_header makes an anonymous request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["interview.api.permissions.IsInterviewer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "interview.api.errors.exception_handler",
    # The API reads JSON only, within Django's body limit (other media types are 415).
    "DEFAULT_PARSER_CLASSES": ["interview.api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Per client address: a classroom behind one NAT joins at once, a guesser of 8-character
    # codes (31^8 of them) gets nowhere at a join a second. Reads of a session (results, CSV,
    # a candidate's results, the timeline, whose pages are costly to build) the same.
    "DEFAULT_THROTTLE_RATES": {
        "join": os.environ.get("JOIN_RATE", "60/min"),
        "read": os.environ.get("READ_RATE", "300/min"),
        # New sessions per interviewer (per user, not address).
        "sessions": os.environ.get("SESSION_CREATE_RATE", "30/min"),
    },
    "NUM_PROXIES": NUM_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Mock interview server",
    "DESCRIPTION": "Question bank, sessions, joins and results. The live part of a session "
    "runs over the WebSocket protocol at /ws/sessions/{code}/ (see docs/protocol.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would send the schema's address to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# /metrics answers only "Authorization: Bearer <this>" when set, only this machine when not.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# LOG_FORMAT=json writes one JSON object a line, carrying the session code and participant id
# of the socket being served (interview.telemetry); "plain" is for people at a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "interview.telemetry.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(session)s %(participant)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_SAMESITE = "Lax"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Sign-in and CSRF cookies travel over HTTPS only, and browsers that saw the site over
    # HTTPS use nothing else for a year. Chrome and Firefox keep Secure cookies for
    # http://localhost; a set-up served over plain HTTP elsewhere turns both off (docs/deploy.md).
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", default=False)
    # Only a proxy in front sets X-Forwarded-Proto; without one, a client could claim https.
    if NUM_PROXIES >= 1:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [
        # SECURE_SSL_REDIRECT: TLS ends at the proxy, which redirects plain HTTP itself; health
        # probes and metrics scrapes reach each process over plain HTTP and must get answers.
        "security.W008",
        # SECURE_HSTS_PRELOAD: a place on the browsers' preload list is the domain owner's
        # choice and slow to undo, so it is opt-in (HSTS_PRELOAD=1).
        "security.W021",
    ]
