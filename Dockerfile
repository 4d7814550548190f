# The web image: daphne serving Django and Channels, as a non-root user.
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 10001 app
# Every package at the version and with the hashes the lock pins (make lock).
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock
COPY . .
# Static files are collected at build time; the nginx stage below serves them.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v0
USER app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# daphne through server/run.py, with the Makefile's DAPHNE_FLAGS and DAPHNE_BACKLOG (why:
# see there).
CMD ["python", "-m", "server.run", "-e", "tcp:port=8000:interface=0.0.0.0:backlog=1024", "--proxy-headers", "--websocket-max-message-size", "65536", "--ping-interval", "15", "--ping-timeout", "20", "--websocket_connect_timeout", "20", "asgi:application"]

# nginx in front: WebSocket upgrade, static files from the app stage, /healthz.
FROM nginx:1.27-alpine AS nginx
COPY --from=app /app/staticfiles /srv/static
COPY deploy/nginx/default.conf.template /etc/nginx/templates/default.conf.template
