"""The remote autotune cache in Inductor's compile workers.

PyTorch builds the per-kernel autotune cache inside its compile workers (``SubprocPool``), fresh
interpreters that never import this package, so an override set in the compiling process does not
reach them: without this module, kernels built there neither read nor write the service. PyTorch
starts the workers with the compiling process's ``sys.path`` as their ``PYTHONPATH``;
:func:`export` puts a directory holding a ``sitecustomize`` first on it and describes the store in
the environment (``PT2CACHE_WORKER_CACHES``), and each worker's interpreter then calls
:func:`activate` as it starts. The same pattern as coverage.py's measurement of subprocesses.

Only stores that can be rebuilt from a description are carried: a ``CacheClient`` (URL,
namespace, token) and a ``DirectoryEntries`` (its root). The token travels in the environment of
the workers, as it may already come from ``PT2CACHE_TOKEN``.
"""

import json
import logging
import os
import sys
from typing import Any, Dict, Optional

log = logging.getLogger("pt2cache")

ENV = "PT2CACHE_WORKER_CACHES"
HOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker_hook")


def describe_store(store: Any) -> Optional[Dict[str, Any]]:
    """What a worker needs to rebuild the store, or None for a store it cannot rebuild."""
    from .client import CacheClient
    from .directory import DirectoryEntries

    if isinstance(store, CacheClient):
        return {"store": "service", "url": store.url, "namespace": store.namespace,
                "token": store.http.token}
    if isinstance(store, DirectoryEntries):
        return {"store": "directory", "root": os.path.abspath(store.root)}
    return None


def export(store: Any, descriptor: Optional[Dict[str, Any]], timeout: float,
           cooldown: float) -> bool:
    """Makes the compile workers PyTorch starts from now on route their autotune cache to the
    store. False (and logged) for a store they cannot rebuild."""
    described = describe_store(store)
    if described is None:
        log.info("pt2cache: autotune results of kernels built in Inductor's compile workers are "
                 "not shared: a %s cannot be rebuilt there", type(store).__name__)
        return False
    described.update(descriptor=descriptor, timeout=timeout, cooldown=cooldown)
    os.environ[ENV] = json.dumps(described)
    if HOOK not in sys.path:
        sys.path.insert(0, HOOK)
    return True


def activate(spec: str) -> Dict[str, str]:
    """In a compile worker: routes the autotune caches to the store ``spec`` describes."""
    from .remote import install

    described = json.loads(spec)
    return install(_store(described), fx_graph=False, aot_autograd=False, autotune=True,
                   timeout=described["timeout"], cooldown=described["cooldown"],
                   descriptor=described.get("descriptor"), workers=False)


def _store(described: Dict[str, Any]) -> Any:
    if described["store"] == "service":
        from .client import CacheClient

        return CacheClient(described["url"], described["namespace"], token=described["token"])
    from .directory import DirectoryEntries

    return DirectoryEntries(described["root"])
