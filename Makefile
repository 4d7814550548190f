# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Frames over 64 KiB are closed with 1009 by daphne itself (docs/protocol.md's frame limit);
# pings find sockets that died without a close frame within about 35 s. A busy process may take seconds
# to accept a socket in a reconnect storm: daphne's default 5 s handshake limit (4-5 s, as
# autobahn rounds its timers down to the second) aborts it, and a proxy answers that with
# 502, so the limit is the ping timeout's 20 s. The same flags everywhere daphne runs:
# scripts/stack, the Dockerfile, deploy/k8s and the tests' servers. Daphne always starts
# through server/run.py, which installs this project's adaptations before it serves.
DAPHNE_FLAGS := --websocket-max-message-size 65536 --ping-interval 15 --ping-timeout 20 \
	--websocket_connect_timeout 20
# The listen queue: Twisted's default of 50 drops the SYNs of a thousand clients reconnecting
# at once, and each dropped one waits a second or more to be sent again. Linux caps it at
# net.core.somaxconn (4096 by default). Set through a Twisted endpoint (-e), as -b/-p cannot.
DAPHNE_BACKLOG := 1024

.PHONY: run interviewer test test-busy test-sqlite test-postgres lint format setup clean stack \
	stack-stop bench vendor lock schema

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installed from the lock files: every package, transitive ones included, at the version and
# with the hashes they pin (`make lock` writes them from requirements*.txt; README).
$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock requirements.lock | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

# The lock files from requirements.txt and requirements-dev.txt: the pins they name, and for
# every other package the version the lock already has (a new one's newest), for any
# platform, with the hashes of all its files. The same inputs give the same files; a pin is
# moved by editing requirements*.txt, or `make lock UPGRADE=twisted` for a transitive one.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--no-header $(if $(UPGRADE),--upgrade-package $(UPGRADE))
lock: $(VENV)/.dev
	$(UV_COMPILE) -o requirements.lock requirements.txt
	$(UV_COMPILE) -c requirements.lock -o requirements-dev.lock requirements-dev.txt

# docs/events.schema.json, the JSON Schema of the server's frames, from the protocol
# (interview/domain/eventschema.py); a test fails while the committed file is not current.
schema: $(VENV)/.runtime
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py eventschema

# The embedded set-up: SQLite, the in-memory channel layer, one daphne process.
setup: $(VENV)/.runtime
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input -v0
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py loadbank

run: setup
	@scripts/banner "$(HOST)" "$(PORT)"
	DEBUG=$${DEBUG:-1} $(BIN)/python -m server.run \
		-e "tcp:port=$(PORT):interface=$(subst :,\:,$(HOST)):backlog=$(DAPHNE_BACKLOG)" \
		$(DAPHNE_FLAGS) asgi:application

# An interviewer account for the embedded set-up: prints its password and API token.
interviewer: setup
	@DEBUG=$${DEBUG:-1} $(BIN)/python manage.py createinterviewer "$(or $(NAME),interviewer)"

# The whole suite on SQLite, then on PostgreSQL; Redis tests use the test Redis.
test: $(VENV)/.dev
	scripts/install-test-tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	scripts/with-test-services $(MAKE) --no-print-directory -j2 --output-sync=target \
		test-sqlite test-postgres

# `make test` while a spinning process keeps each core busy: waits and timeouts that hold on a
# loaded machine. Not part of CI; run it after changing how a test waits.
test-busy:
	scripts/with-busy-cores $(MAKE) --no-print-directory test

# Each pass is a configuration people run. SQLite: the live tests on the in-memory layer, as
# `make run` serves, and the tests that use neither database nor layer (marked dbless), once.
# The browser and example-client tests (marked end_to_end) drive a server process, whose
# database and layer the two passes already test in-process: they run once, with PostgreSQL.
# PostgreSQL: the live tests on Redis pub/sub, as production serves, and the tests about
# PostgreSQL itself (marked postgres, or stack). The tests' server processes run on Redis in
# both: on the core layer in the SQLite pass, so it stays tested too. `make test` runs the two
# passes at once (the PostgreSQL pass mostly waits on browsers and server processes), each
# with its own Redis prefix and database, its output printed whole when it ends.
test-sqlite:
	@echo "=== test suite on SQLite, the in-memory layer (server processes: Redis core) ==="
	TEST_LAYERS=memory CHANNEL_LAYER=core TEST_DATABASE_NAME="$$TEST_SCRATCH/test.sqlite3" \
		REDIS_PREFIX="$${REDIS_PREFIX:-test}-sqlite" $(BIN)/pytest -m "not stack and not postgres and not end_to_end" $(PYTEST_ARGS)

test-postgres:
	@echo "=== test suite on PostgreSQL ($$TEST_POSTGRES_URL), Redis pub/sub ==="
	TEST_LAYERS=redis CHANNEL_LAYER=pubsub DATABASE_URL="$$TEST_POSTGRES_URL" \
		TEST_DATABASE_NAME="test_interview_$$TEST_RUN_ID" REDIS_PREFIX="$${REDIS_PREFIX:-test}-pg" \
		$(BIN)/pytest -m "not dbless" $(PYTEST_ARGS)

# The generated and vendored front-end files, committed so that `make run` and `make test`
# need no Node: the code theme's CSS (from Pygments); CodeMirror bundled into one ES module,
# axe-core for the accessibility test and Pyodide's core (runtime and standard library, into a
# folder per version, with gzip copies), all at the versions frontend/editor's
# package-lock.json pins (npm ci runs no package's install scripts; esbuild needs none).
vendor: $(VENV)/.runtime
	$(BIN)/python -m interview.content.rendering > frontend/static/interview/css/code.css
	cd frontend/editor && npm ci --no-audit --no-fund --ignore-scripts && node build.mjs

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# The production topology without Docker: nginx in front of two daphne processes on this
# machine's PostgreSQL and Redis (see scripts/stack for its settings).
stack: $(VENV)/.runtime
	scripts/stack start

stack-stop:
	scripts/stack stop

# About a quarter of an hour with the machine to itself: the scenarios on `make stack`'s
# topology and on a bare baseline, the capacity curve, the unloaded round trip on `make stack`
# and `make run`; writes docs/benchmarks.md (bench/run.py --help for its parts).
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py
