"""The ASGI application: HTTP through Django, WebSockets through Channels.

Importing this builds the application and nothing else; ``server/run.py`` starts daphne
with it, with the process's adaptations installed.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from interview.live.lifecycle import with_lifecycle  # noqa: E402
from interview.live.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
application = with_lifecycle(router)
