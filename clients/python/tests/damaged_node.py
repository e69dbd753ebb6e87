"""A serving node's remote caches reading entries whose objects were damaged in the store, run by
the service's DamagedContentOnTheNodeTest (which damages them behind the service's back, in the
real S3 server) with the service's URL, a namespace and the keys on the command line. Prints what
the node's PyTorch was handed, as JSON. torch is stood in for where it is not installed."""

import json
import logging
import sys
import types

from pt2cache import CacheClient
from pt2cache.remote import Breaker, backend_class


def _stand_in_for_torch() -> None:
    try:
        import torch._inductor.remote_cache  # noqa: F401
        return
    except ImportError:
        pass

    class RemoteCacheBackend:
        def get(self, key):
            return self._get(key)

        def put(self, key, data):
            return self._put(key, data)

    remote_cache = types.ModuleType("torch._inductor.remote_cache")
    remote_cache.RemoteCacheBackend = RemoteCacheBackend
    for name in ("torch", "torch._inductor"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["torch._inductor.remote_cache"] = remote_cache


def main(url: str, namespace: str, damaged: str, good: str) -> None:
    _stand_in_for_torch()
    warnings = []

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    logging.getLogger("pt2cache").addHandler(Kept())
    breaker = Breaker(cooldown=60)
    backend = backend_class(CacheClient(url, namespace), "fx-graph", 10.0, breaker)()
    first = backend.get(damaged)
    second = backend.get(good)
    print(json.dumps({"damaged": None if first is None else len(first),
                      "good": None if second is None else second.decode(),
                      "cachesOn": breaker.closed(), "warnings": warnings}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
