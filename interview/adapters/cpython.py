"""CPython's garbage collector tuned for a long-lived server process.

Upstream: https://docs.python.org/3/library/gc.html#gc.freeze
"""

import gc

# Allocations between young collections; the older generations keep Python's own ratios.
GC_THRESHOLD = (50_000, 20, 20)


def gc_tune() -> None:
    """Move everything alive now out of the collector's sight; collect young objects less often.

    Called once the application is loaded: what exists then (Django, DRF, the URL conf, the
    application) lives as long as the process, and a full collection would otherwise walk
    all of it while it pauses the event loop. docs/benchmarks.md measures the choice.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
