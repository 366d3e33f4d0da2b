"""Imported by the server process that :mod:`kg.parallel` forks its worker
processes from (multiprocessing's ``forkserver``): loads spaCy and partyrel
and makes the pipeline and vocabularies once, so that every worker forked
from it starts with them made (about 0.1 s instead of 2 s to load them).

A failure here is not raised: the server would die with it, and each worker
makes what it needs itself (its initializer, :func:`kg.parallel.warm_up`).
"""

from __future__ import annotations

import gc

try:
    from kg.parallel import warm_up

    warm_up()
except Exception:  # noqa: BLE001, S110 - workers warm up themselves
    pass

# what the server made stays put: the collector does not walk it again in each
# forked worker (walking would copy its pages into each worker)
gc.freeze()
