"""The ASGI application daphne serves: HTTP through Django, WebSockets through Channels."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from interview.live.lifecycle import install_under_daphne, with_lifecycle  # noqa: E402
from interview.live.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
application = with_lifecycle(router)

install_under_daphne()

if os.environ.get("GC_TUNE", "1") == "1":
    # Everything imported so far lives as long as the process: move it out of the collector's
    # sight, and collect young objects less often. Full collections over a large heap paused
    # fan-outs for tens of milliseconds (docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
