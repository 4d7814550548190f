"""How long presence lasts: the beat at which server processes refresh their sockets, when a
socket not refreshed counts as gone, and the grace a dropped socket keeps its participant
online. Reads (``selectors``) and writes (``services``) both go by these."""

from datetime import timedelta

# A socket whose process has not refreshed it for this long belongs to a dead process.
# Processes refresh every PRESENCE_HEARTBEAT; three missed beats and it is gone.
PRESENCE_HEARTBEAT = timedelta(seconds=5)
PRESENCE_STALE_AFTER = timedelta(seconds=20)
# A socket that dropped without a close frame (Wi-Fi gone, a process killed, a server
# draining) keeps its participant online this long: they are probably reconnecting, and a
# room of a thousand reconnecting at once must not announce two thousand comings and goings.
PRESENCE_GRACE = timedelta(seconds=5)
