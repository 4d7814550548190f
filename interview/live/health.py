"""``/healthz``: 200 when the database and the channel layer answer, 503 otherwise."""

import asyncio

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, JsonResponse

from interview.live.lifecycle import layer_probe, lifecycle

CHECK_TIMEOUT_S = 2.0


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    connection.close()


async def _check(name: str, probe) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe(), timeout=CHECK_TIMEOUT_S)
    except Exception as exc:
        return name, f"error: {type(exc).__name__}"
    return name, "ok"


async def healthz(request: HttpRequest) -> JsonResponse:
    """Probe the database and the channel layer, concurrently, each with a timeout."""
    results = dict(
        await asyncio.gather(
            _check("database", sync_to_async(_database_answers, thread_sensitive=False)),
            _check("channel_layer", layer_probe),
        )
    )
    if lifecycle.draining:
        results["process"] = "draining"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
