"""Start a server process: ``python -m server.run [daphne's arguments]``.

The one way this project starts daphne. It installs the daphne adaptations
(``interview.adapters.daphne``), then hands its arguments to daphne's command line.
Once daphne has imported the application (Django set up), and before it serves:

- the clock starts when the reactor starts, not at the first request, so a deadline that
  passed while no server ran closes as soon as any server is back;
- SIGTERM drains the process (``interview.live.lifecycle``) before the reactor stops;
- unless ``GC_TUNE=0``, the garbage collector is tuned (``adapters.cpython.gc_tune``).
"""

import os
import sys

# First: importing it installs the asyncio reactor daphne runs on.
from interview.adapters import daphne as daphne_adapters  # isort: skip


def after_load() -> None:
    """Install what needs the loaded application: start and drain, and the GC tuning."""
    from interview.adapters.cpython import gc_tune
    from interview.live.lifecycle import DRAIN_TIMEOUT_S, lifecycle

    daphne_adapters.reactor_hooks_install(
        start=lifecycle.start, drain=lifecycle.drain, drain_timeout_s=DRAIN_TIMEOUT_S
    )
    if os.environ.get("GC_TUNE", "1") == "1":
        gc_tune()


def main(args: list[str] | None = None) -> None:
    """Install the adaptations, then run daphne's command line with ``args`` (or argv's)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    daphne_adapters.websocket_factory_install()
    daphne_adapters.command_line_run(sys.argv[1:] if args is None else args, after_load=after_load)


if __name__ == "__main__":
    main()
