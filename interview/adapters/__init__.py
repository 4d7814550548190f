"""Every adaptation of a framework's internals in this project, one module per framework.

Nothing outside this package reaches into Channels, channels_redis, daphne, Twisted,
autobahn, Django's internals or CPython's collector. Each adaptation below has a docstring
saying why it exists and the upstream source it depends on, and ``tests/test_adapters.py``
tests its behaviour, so an upstream change that breaks one fails a test.

- ``adapters.channels``: ``ManySocketsConsumer`` (no channel per socket, no database
  clean-up through the shared sync thread per message, a close code when Redis fails) and
  ``application_close_code`` (the codes daphne lets an application send).
- ``adapters.channels_redis``: ``channel_reader_cancel`` (a cancelled receive deletes its
  channel).
- ``adapters.django``: ``shared_cache`` (one cache client per process, not per task).
- ``adapters.daphne``: ``websocket_factory_install`` (close frames instead of dropped
  connections, the size limit on inbound messages only, a turn's frames in one send),
  ``reactor_hooks_install`` and ``listening_stop`` (start and drain), and
  ``command_line_run`` (daphne's CLI with a step between loading the application and
  serving it). Imported by ``server/run.py``, the one way this project starts daphne.
- ``adapters.cpython``: ``gc_tune`` (the collector for a long-lived process).

Differences between database dialects (SQLite, PostgreSQL) live in interview/domain/sql.py.
"""

from interview.adapters.channels import ManySocketsConsumer, application_close_code

__all__ = ["ManySocketsConsumer", "application_close_code"]
