"""The deployment files, checked by what can check them without a Docker engine."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def every_of_kind(kind: str) -> list[dict]:
    """Every Kubernetes object of this kind in deploy/k8s."""
    paths = sorted((ROOT / "deploy/k8s").glob("*.yaml"))
    return [doc for path in paths for doc in load_all(path) if doc["kind"] == kind]


def test_compose_runs_postgres_redis_two_web_processes_and_nginx_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "migrate", "web1", "web2", "nginx"} <= set(services)
    for name in ("db", "redis", "nginx"):
        assert services[name]["healthcheck"]["test"], name
    assert "db-data" in compose["volumes"]
    assert any("db-data:" in volume for volume in services["db"]["volumes"])
    for name in ("web1", "web2"):
        web = services[name]
        assert web["build"]["target"] == "app"
        assert web["environment"]["REDIS_URL"].startswith("redis://redis")
        assert web["environment"]["DATABASE_URL"].startswith("postgres://")
        assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    nginx = services["nginx"]
    assert nginx["environment"]["WEB_1"] == "web1:8000"
    assert nginx["depends_on"]["web2"]["condition"] == "service_healthy"


def test_the_image_runs_as_a_non_root_user_with_static_files_collected_at_build():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim AS app" in dockerfile
    assert "collectstatic" in dockerfile
    assert "\nUSER app\n" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "FROM nginx" in dockerfile


def test_nginx_upgrades_websockets_and_serves_static_files():
    template = (ROOT / "deploy/nginx/default.conf.template").read_text()
    assert "proxy_set_header Upgrade $http_upgrade;" in template
    assert "proxy_read_timeout 3600s;" in template
    assert "location /static/" in template
    assert "location = /healthz" in template
    assert "${WEB_1}" in template
    assert "${WEB_2}" in template


def nginx_blocks(template: str, kind: str) -> dict[str, str]:
    """The template's ``upstream`` or ``location`` blocks by name, bodies without comments."""
    text = re.sub(r"#[^\n]*", "", template)
    # A body ends at the first brace that closes no ${VARIABLE}.
    block = re.compile(kind + r" ([^{\s]+(?: [^{\s]+)?) \{((?:\$\{\w+\}|[^}])*)\}")
    return {found[1]: found[2] for found in block.finditer(text)}


def test_nginx_serves_pyodide_gzipped_and_kept_for_good():
    template = (ROOT / "deploy/nginx/default.conf.template").read_text()
    pyodide = nginx_blocks(template, "location")["/static/interview/vendor/pyodide/"]
    assert "alias ${STATIC_ROOT}/interview/vendor/pyodide/;" in pyodide
    assert "gzip_static on;" in pyodide
    assert 'add_header Cache-Control "public, max-age=31536000, immutable";' in pyodide


def test_nginx_hashes_websockets_by_session_and_balances_plain_http_round_robin():
    template = (ROOT / "deploy/nginx/default.conf.template").read_text()
    upstreams = nginx_blocks(template, "upstream")
    locations = nginx_blocks(template, "location")
    variable = re.search(r"proxy_pass http://\$(\w+);", locations["/ws/"])[1]
    routes = dict(re.findall(r"(\S+)\s+(\w+);", nginx_blocks(template, "map")[f"$uri ${variable}"]))
    ws_upstream, watch_upstream = routes["default"], routes["~^/ws/watch/"]
    assert "hash $uri consistent;" in upstreams[ws_upstream]
    # Spectators' sockets only receive: spread by fewest connections, not hashed.
    assert "least_conn;" in upstreams[watch_upstream]
    assert "hash" not in upstreams[watch_upstream]
    for path in ("/", "= /healthz"):
        http_upstream = re.search(r"proxy_pass http://(\w+);", locations[path])[1]
        assert http_upstream != ws_upstream
        assert "hash" not in upstreams[http_upstream]
    # One failure must not take a process out of rotation: with two, a storm would empty it.
    for body in upstreams.values():
        servers = re.findall(r"server (\S+)([^;]*);", body)
        assert [name for name, _ in servers] == ["${WEB_1}", "${WEB_2}"]
        assert all("max_fails=0" in options for _, options in servers)


def test_the_kubernetes_ingress_hashes_websockets_by_session():
    ingresses = every_of_kind("Ingress")
    hashed = [
        doc
        for doc in ingresses
        if doc["metadata"]["annotations"].get("nginx.ingress.kubernetes.io/upstream-hash-by")
        == "$uri"
    ]
    assert len(hashed) == 1
    (path,) = hashed[0]["spec"]["rules"][0]["http"]["paths"]
    assert path["path"] == "/ws/sessions/"
    # ingress-nginx balances per service: the hashed path's service serves nothing else.
    hashed_service = path["backend"]["service"]["name"]
    plain = [doc for doc in ingresses if doc not in hashed]
    plain_paths = [p for doc in plain for p in doc["spec"]["rules"][0]["http"]["paths"]]
    # Spectators' sockets go round robin, like plain HTTP.
    assert [p["path"] for p in plain_paths] == ["/", "/ws/watch/"]
    assert all(p["backend"]["service"]["name"] != hashed_service for p in plain_paths)


def test_kubernetes_manifests_parse_and_probe_healthz():
    documents = {}
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
        for doc in load_all(path):
            documents[doc["kind"]] = doc
    assert {"Deployment", "Service", "Ingress", "ConfigMap", "Secret", "Job"} <= set(documents)
    pod = documents["Deployment"]["spec"]["template"]["spec"]
    (web,) = pod["containers"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["terminationGracePeriodSeconds"] > 10
    labels = documents["Deployment"]["spec"]["template"]["metadata"]["labels"]
    services = {doc["metadata"]["name"]: doc for doc in every_of_kind("Service")}
    for service in services.values():
        assert service["spec"]["selector"].items() <= labels.items()
    for ingress in every_of_kind("Ingress"):
        annotations = ingress["metadata"]["annotations"]
        assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
        assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            assert path["backend"]["service"]["name"] in services


def test_every_daphne_launch_limits_frames_and_queues_a_storm_of_connects():
    launches = {
        "Makefile": (ROOT / "Makefile").read_text(),
        "scripts/stack": (ROOT / "scripts/stack").read_text(),
        "Dockerfile": (ROOT / "Dockerfile").read_text().replace('", "', " "),
        "deploy/k8s/deployment.yaml": " ".join(
            str(arg)
            for arg in load_all(ROOT / "deploy/k8s/deployment.yaml")[0]["spec"]["template"]["spec"][
                "containers"
            ][0]["command"]
        ),
    }
    for name, text in launches.items():
        text = " ".join(text.replace("\\\n", " ").split())
        assert "--websocket-max-message-size 65536" in text, name
        assert "--websocket_connect_timeout 20" in text, name
        assert "backlog=1024" in text or "backlog=$(DAPHNE_BACKLOG)" in text, name
        assert " -b " not in text, f"{name}: -b and -p cannot set the listen backlog"
        # daphne through the project's entry point, which installs its adaptations first.
        assert "-m server.run " in text, name


def test_the_metrics_token_reaches_every_web_process():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("web1", "web2"):
        assert "METRICS_TOKEN" in compose["services"][name]["environment"], name
    (secret,) = every_of_kind("Secret")
    assert secret["stringData"]["METRICS_TOKEN"]
    (deployment,) = every_of_kind("Deployment")
    (web,) = deployment["spec"]["template"]["spec"]["containers"]
    assert {"secretRef": {"name": secret["metadata"]["name"]}} in web["envFrom"]


def test_the_redis_client_parses_replies_in_c():
    # hiredis (requirements.txt): without it redis-py reads every fan-out through a parser
    # written in Python, a cost that shows in the benchmark's profile (docs/benchmarks.md).
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE
