from django.urls import path

from interview.live.consumers import SessionConsumer

websocket_urlpatterns = [
    path("ws/sessions/<str:code>/", SessionConsumer.as_asgi()),
    # The same socket for spectators: a deployment may spread these over its processes, where
    # it keeps each session's other sockets together (deploy/nginx, docs/deploy.md).
    path("ws/watch/<str:code>/", SessionConsumer.as_asgi()),
]
