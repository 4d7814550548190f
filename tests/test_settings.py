"""Production settings (DEBUG=0), read by fresh processes from the environment they get.

Settings are read once, at import, so each environment gets a process of its own; the
deployment files' environments are read from the files themselves.
"""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
import yaml

from .test_deploy import ROOT, every_of_kind

# A key `check --deploy` accepts: long and random, unlike the tests' own.
STRONG_SECRET_KEY = secrets.token_urlsafe(48)


def run_with(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``python <args>`` in a fresh process that has this environment and nothing else."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_under(environment: dict[str, str]) -> dict:
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    done = run_with(
        {"DJANGO_SETTINGS_MODULE": "server.settings", "SECRET_KEY": STRONG_SECRET_KEY}
        | environment,
        "-c",
        code,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_production_cookies_are_secure_and_hsts_is_on_by_default():
    production = settings_under({})
    assert production["DEBUG"] is False
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600


def test_a_plain_http_set_up_turns_secure_cookies_and_hsts_off():
    plain = settings_under({"SECURE_COOKIES": "0", "HSTS_SECONDS": "0"})
    assert plain["SESSION_COOKIE_SECURE"] is False
    assert plain["CSRF_COOKIE_SECURE"] is False
    assert plain["SECURE_HSTS_SECONDS"] == 0


FORWARDED_PROTO = ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(("proxies", "header"), [("0", None), ("1", FORWARDED_PROTO)])
def test_the_forwarded_protocol_is_believed_only_behind_a_proxy(proxies, header):
    assert settings_under({"NUM_PROXIES": proxies})["SECURE_PROXY_SSL_HEADER"] == header


def compose_interpolate(value: str, required: dict[str, str]) -> str:
    """Compose's ``${NAME:-default}`` with nothing set, and ``${NAME:?why}`` from ``required``."""

    def one(found: re.Match) -> str:
        if found["op"] == ":?":
            return required[found["name"]]
        return found["default"] if found["op"] == ":-" else ""

    return re.sub(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<default>[^}]*))?\}", one, value)


def compose_web_environment() -> dict[str, str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["services"]["web1"]["environment"]
    required = {"SECRET_KEY": STRONG_SECRET_KEY}
    return {name: compose_interpolate(str(value), required) for name, value in environment.items()}


def kubernetes_web_environment() -> dict[str, str]:
    (config,) = every_of_kind("ConfigMap")
    (secret,) = every_of_kind("Secret")
    # The example's secret values are placeholders; a real key is long and random.
    return {**config["data"], **secret["stringData"], "SECRET_KEY": STRONG_SECRET_KEY}


@pytest.mark.parametrize(
    "environment",
    [compose_web_environment, kubernetes_web_environment],
    ids=["docker-compose", "kubernetes"],
)
def test_check_deploy_is_clean_under_the_deployment_environment(environment):
    done = run_with(environment(), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
