"""Warm start for the Mega-Cache: ``torch.compile`` that asks the cache before compiling.

On a hit the artifact is downloaded (verified, atomically) and handed to
``torch.compiler.load_cache_artifacts()`` before the first compiled call, so that call finds
PyTorch's caches warm. On a miss the model compiles as usual, and after the first compiled call
``torch.compiler.save_cache_artifacts()`` is uploaded for the next node. Whatever the cache does
(down, slow, an error), the model still compiles locally and runs; the reason is logged.
"""

import logging
import os
import tempfile
import time
from typing import Any, Callable, Dict, Optional

from .client import CacheClient
from .environment import describe

log = logging.getLogger("pt2cache")

KIND = "mega-cache"


class WarmStart:
    """A compiled model, warm-started from the cache. Call it like the model."""

    def __init__(self, model: Callable, client: CacheClient, descriptor: Dict[str, Any],
                 compile_kwargs: Dict[str, Any], torch_module: Any, lookup_timeout: float) -> None:
        self.client = client
        self.descriptor = descriptor
        self.torch = torch_module
        self.lookup_timeout = lookup_timeout
        self.hit = False
        self.loaded_seconds: Optional[float] = None
        self.uploaded: Optional[Dict[str, Any]] = None
        self._pending_upload = False
        self._load()
        self.compiled = torch_module.compile(model, **compile_kwargs)
        self._pending_upload = not self.hit

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = self.compiled(*args, **kwargs)
        if self._pending_upload:
            self._pending_upload = False
            self._save_and_upload()
        return result

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            answer = self.client.lookup(KIND, self.descriptor, timeout=self.lookup_timeout)
        except Exception as e:  # fail open: any trouble means compiling locally
            log.warning("pt2cache: lookup failed, compiling locally: %s", e)
            return
        if not answer.get("hit"):
            miss = answer.get("miss") or {}
            closest = (miss.get("closest") or {}).get("differences")
            log.info("pt2cache: miss (%s: %s)%s; compiling locally", miss.get("reason"),
                     miss.get("detail"), " closest differs in %s" % closest if closest else "")
            return
        artifact = answer["artifact"]
        try:
            with tempfile.TemporaryDirectory(prefix="pt2cache-") as directory:
                path = self.client.download(artifact, os.path.join(directory, "mega-cache.bin"))
                with open(path, "rb") as f:
                    info = self.torch.compiler.load_cache_artifacts(f.read())
        except Exception as e:
            log.warning("pt2cache: hit on %s but loading failed, compiling locally: %s",
                        artifact.get("id"), e)
            return
        self.hit = True
        self.loaded_seconds = time.perf_counter() - started
        log.info("pt2cache: hit, loaded artifact %s (%d bytes) in %.2f s: %s", artifact["id"],
                 artifact["sizeBytes"], self.loaded_seconds, info)

    def _save_and_upload(self) -> None:
        try:
            saved = self.torch.compiler.save_cache_artifacts()
            if not saved:
                log.warning("pt2cache: nothing to save after compiling; not uploaded")
                return
            data, info = saved
            self.uploaded = self.client.upload(KIND, data, descriptor=self.descriptor)
            log.info("pt2cache: uploaded %d bytes as artifact %s (%s)", len(data),
                     self.uploaded.get("id"), self.uploaded.get("state"))
        except Exception as e:
            log.warning("pt2cache: upload after compiling failed (the model runs anyway): %s", e)


def warm_start(model: Callable, client: Optional[CacheClient] = None, *, model_name: str,
               model_version: str, fingerprint: Optional[str] = None,
               tags: Optional[Dict[str, str]] = None, lookup_timeout: float = 5.0,
               torch_module: Any = None, **compile_kwargs: Any) -> WarmStart:
    """``torch.compile(model, **compile_kwargs)``, warm-started from the cache.

    The descriptor is built from this process (:func:`pt2cache.describe`) and the compile
    settings: ``backend``, ``mode``, ``dynamic`` and ``options`` as given to ``torch.compile``.
    """
    if torch_module is None:
        import torch as torch_module  # noqa: N813
    client = client or CacheClient()
    descriptor = describe(
        model_name, model_version, fingerprint=fingerprint,
        backend=_backend_name(compile_kwargs.get("backend", "inductor")),
        mode=compile_kwargs.get("mode"), dynamic=compile_kwargs.get("dynamic"),
        options=compile_kwargs.get("options"), tags=tags, torch_module=torch_module)
    return WarmStart(model, client, descriptor, compile_kwargs, torch_module, lookup_timeout)


def _backend_name(backend: Any) -> str:
    return backend if isinstance(backend, str) else getattr(backend, "__name__", repr(backend))
