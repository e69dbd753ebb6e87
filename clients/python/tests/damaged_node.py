"""Serving nodes reading content whose objects were damaged in the store, run by the service's
DamagedContentOnTheNodeTest (which damages them behind the service's back, in the real S3 server):
``entries URL NAMESPACE DAMAGED_KEY GOOD_KEY`` reads two FX graph entries through the remote-cache
adapter; ``warm URL NAMESPACE MODEL SIZE`` warm-starts a model whose compile saves SIZE bytes of
Mega-Cache. Each prints what the node did, as JSON. torch is stood in for (where it is not
installed, for the adapter; always, for the warm start, whose compile is recorded)."""

import json
import logging
import sys
import types

from pt2cache import CacheClient
from pt2cache.megacache import warm_start
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


def _warnings() -> list:
    """The pt2cache logger's warnings from now on."""
    warnings = []

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    logging.getLogger("pt2cache").addHandler(Kept())
    return warnings


def entries(url: str, namespace: str, damaged: str, good: str) -> None:
    _stand_in_for_torch()
    warnings = _warnings()
    breaker = Breaker(cooldown=60)
    backend = backend_class(CacheClient(url, namespace), "fx-graph", 10.0, breaker)()
    first = backend.get(damaged)
    second = backend.get(good)
    print(json.dumps({"damaged": None if first is None else len(first),
                      "good": None if second is None else second.decode(),
                      "cachesOn": breaker.closed(), "warnings": warnings}))


class CompilingTorch:
    """torch.compile and torch.compiler's Mega-Cache calls, recorded; its compile saves
    ``size`` bytes."""

    __version__ = "2.11.0+test"

    def __init__(self, size: int) -> None:
        self.compiled = 0
        self.loaded = 0
        self.saved = bytes(i % 251 for i in range(size))
        self.version = types.SimpleNamespace(cuda="13.0", hip=None)
        self.cuda = types.SimpleNamespace(is_available=lambda: False)
        self.compiler = types.SimpleNamespace(load_cache_artifacts=self._load,
                                              save_cache_artifacts=lambda: (self.saved, "info"))

    def _load(self, data: bytes) -> str:
        self.loaded += 1
        return "info"

    def compile(self, model, **kwargs):
        self.compiled += 1
        return model


def warm(url: str, namespace: str, model: str, size: str) -> None:
    warnings = _warnings()
    torch = CompilingTorch(int(size))
    compiled = warm_start(lambda x: x + 1, CacheClient(url, namespace), model_name=model,
                          model_version="1", torch_module=torch)
    compiled(1)
    uploaded = compiled.wait_for_upload(60)
    print(json.dumps({"hit": compiled.hit, "loaded": torch.loaded, "compiled": torch.compiled,
                      "uploaded": uploaded, "warnings": warnings}))


if __name__ == "__main__":
    {"entries": entries, "warm": warm}[sys.argv[1]](*sys.argv[2:6])
