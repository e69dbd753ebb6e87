"""PyTorch's own remote caches (FX graph, AOTAutograd, autotune, PGO) on the cache service.

PyTorch's ``RemoteCache`` classes take a backend override (``backend_override_cls``), so no file
of PyTorch is patched: :func:`install` points each at the service's entries API and turns the
remote caches on. Because FX graph and AOTAutograd keys hash each graph, a changed model compiles
only the graphs that changed; the others hit. Every failure is a miss (reads) or is ignored
(writes): the cache can never break a compile.
"""

import errno
import hashlib
import importlib
import inspect
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import weakref
from typing import Any, Dict, Optional, Protocol

from .errors import CacheError, Conflict, DigestMismatch, IncompleteAnswer, NotFound
from .files import disk_refused

log = logging.getLogger("pt2cache")

# PyTorch's remote caches: its cache class, the service's kind, and the config setting that turns
# it on. Which of them a release has differs (README, "Which PyTorch releases"): install checks.
CACHES = (
    ("RemoteFxGraphCache", "fx-graph", "torch._inductor.config", "fx_graph_remote_cache"),
    ("RemoteAOTAutogradCache", "aot-autograd", "torch._functorch.config",
     "enable_remote_autograd_cache"),
    ("RemoteAutotuneCache", "autotune", "torch._inductor.config", "autotune_remote_cache"),
    ("RemoteBundledAutotuneCache", "bundled-autotune", "torch._inductor.config",
     "bundled_autotune_remote_cache"),
    ("RemoteDynamoPGOCache", "pgo", "torch._dynamo.config", "automatic_dynamic_remote_pgo"),
)

# PyTorch's cache class -> the service's kind
KINDS: Dict[str, str] = {class_name: kind for class_name, kind, _, _ in CACHES}


class UnsupportedTorch(RuntimeError):
    """This torch has none of the remote caches asked for in a shape the client can route: its
    release and what it lacks are in the message. Nothing was switched on; PyTorch compiles with
    its local caches only."""


_SAFE_KEY = re.compile(r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._:-]{0,255}")


class EntryStore(Protocol):
    """What the adapter needs: :class:`pt2cache.CacheClient` is one."""

    def get_entry(self, kind: str, key: str, timeout: Optional[float] = None,
                  retries: Optional[int] = None,
                  deadline: Optional[float] = None) -> Optional[bytes]:
        ...

    def put_entry(self, kind: str, key: str, data: bytes, timeout: Optional[float] = None,
                  retries: Optional[int] = None, descriptor: Optional[Dict[str, Any]] = None,
                  deadline: Optional[float] = None) -> Any:
        ...


def service_key(key: str) -> str:
    """PyTorch's key as the service accepts it (``pt2:fx-graph-v1::<hash>:c1`` passes as is);
    a key with other characters, or too long, is replaced by its SHA-256."""
    return key if _SAFE_KEY.fullmatch(key) else "sha256-" + hashlib.sha256(key.encode()).hexdigest()


class Breaker:
    """After a failure to reach the store, stop asking it for a while: a compile asks once per
    graph and per autotuned kernel, and must not wait on a service that is down each time.

    A write that runs out of its time (or is slow) turns off writes only: the service queues
    writes for its store's upload permits, for seconds when a fleet uploads together, while it
    serves reads at once (they take no permit). Reads go on until one of them fails; a service
    that hangs then costs one read's timeout more per cooldown."""

    # calls in a row that each took over half their timeout, and so count as a failure
    SLOW_CALLS = 3

    # entries in a row whose bytes did not match their digest, with no good entry read between
    # them (a miss is none), that turn reads off: something between the node and the service
    # rewrites bodies, and every entry would be downloaded whole only to miss. One damaged entry
    # among good ones stays that entry's miss
    MISMATCHES = 5

    def __init__(self, cooldown: float = 30.0) -> None:
        self.cooldown = cooldown
        self._open_until = 0.0
        self._writes_open_until = 0.0
        self._reads_open_until = 0.0
        self._mismatches = 0  # entries in a row that did not match their digest
        self._slow = {False: 0, True: 0}  # slow reads, slow writes in a row
        self._lock = threading.Lock()
        _BREAKERS.add(self)

    def closed(self) -> bool:
        return time.monotonic() >= self._open_until

    def reads_closed(self) -> bool:
        """Whether reads may be sent: the service is reached, and reads were not turned off on
        their own (entries that came rewritten)."""
        return self.closed() and time.monotonic() >= self._reads_open_until

    def writes_closed(self) -> bool:
        """Whether writes may be sent: reads may, and writes were not turned off on their own."""
        return self.closed() and time.monotonic() >= self._writes_open_until

    def took(self, seconds: float, timeout: float, write: bool = False) -> None:
        """Counts a call that succeeded: one that took over half its timeout is slow, and
        ``SLOW_CALLS`` slow ones in a row trip the breaker as a failure would (writes only, for
        writes). A service that answers each call just inside the timeout would otherwise cost
        every graph and every autotuned kernel that long, for good."""
        with self._lock:
            self._slow[write] = self._slow[write] + 1 if seconds > timeout / 2 else 0
            slow = self._slow[write] >= self.SLOW_CALLS
            if slow:
                self._slow[write] = 0
        if slow:
            why = TimeoutError("%d %s in a row took over %.1f s each"
                               % (self.SLOW_CALLS, "writes" if write else "calls", timeout / 2))
            self.trip_writes(why) if write else self.trip(why)

    def trip(self, why: Exception) -> None:
        with self._lock:
            was_closed = self.closed()
            self._open_until = time.monotonic() + self.cooldown
        # said outside the lock: a log sink that blocks must not hold every other compile
        # thread's call, nor leave the lock taken in a child forked meanwhile
        if was_closed:
            log.warning("pt2cache: cache unreachable, remote caches off for %.0f s: %s",
                        self.cooldown, why)

    def trip_writes(self, why: Exception) -> None:
        """A write ran out of its time, or writes were slow: the service is most likely queuing
        uploads (a fleet compiling at once), so writes stop for the cooldown and reads go on."""
        with self._lock:
            was_closed = self.writes_closed()
            self._writes_open_until = time.monotonic() + self.cooldown
        if was_closed:
            log.warning("pt2cache: the cache is slow to store entries (its uploads may be queued, "
                        "as when many nodes compile at once): writes off for %.0f s, reads go "
                        "on: %s", self.cooldown, why)

    def read(self, matched: bool) -> None:
        """Counts an entry read whole: one that matched its digest ends a run of mismatches;
        ``MISMATCHES`` in a row turn reads off for the cooldown (writes go on: the service
        verifies what it stores), said once as a warning, later at INFO."""
        with self._lock:
            self._mismatches = 0 if matched else self._mismatches + 1
            rewriting = self._mismatches >= self.MISMATCHES
            if rewriting:
                self._mismatches = 0
                self._reads_open_until = time.monotonic() + self.cooldown
        if rewriting:
            (log.warning if _first_time(("rewriting", None)) else log.info)(
                "pt2cache: %d entries in a row did not match their digest, none good between "
                "them: something between this node and the service (a proxy) most likely "
                "rewrites bodies; reads off for %.0f s at a time, writes go on (logged once)",
                self.MISMATCHES, self.cooldown)

    def close_writes(self) -> None:
        """Writes off for the cooldown, reads on, said by the caller."""
        with self._lock:
            self._writes_open_until = time.monotonic() + self.cooldown

    def _after_fork(self) -> None:
        """In a forked child: a lock that another thread of the parent held at the fork would
        stay taken for good (that thread is not in the child), and each call would wait on it."""
        self._lock = threading.Lock()


# every breaker of this process, given fresh locks in a child forked from it (a pre-fork server,
# multiprocessing's fork start method), as the logging module does for its handlers
_BREAKERS: "weakref.WeakSet[Breaker]" = weakref.WeakSet()


def _reset_breakers_after_fork() -> None:
    for breaker in list(_BREAKERS):
        breaker._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_breakers_after_fork)


def backend_class(store: EntryStore, kind: str, timeout: float = 2.0,
                  breaker: Optional[Breaker] = None,
                  descriptor: Optional[Dict[str, Any]] = None) -> type:
    """A ``RemoteCacheBackend`` subclass (built with no arguments, as PyTorch does) on the store.
    Each call fails fast (no retry, ``timeout`` for the whole call, its body and the name lookup
    included); after a failure the breaker keeps the
    remote caches off for a while. A failed read is a miss, a failed write is dropped. Entries are
    written with ``descriptor``, when given."""
    from torch._inductor.remote_cache import RemoteCacheBackend

    breaker = breaker or Breaker()
    described = {} if descriptor is None else {"descriptor": descriptor}  # older stores take none
    # a store written to the EntryStore of an earlier release takes no deadline: its own timeout
    reads = {"deadline": timeout} if _takes(store.get_entry, "deadline") else {}
    writes = {"deadline": timeout} if _takes(store.put_entry, "deadline") else {}

    class ServiceBackend(RemoteCacheBackend):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()

        def _get(self, key: str) -> Optional[bytes]:
            if not breaker.reads_closed():
                return None
            started = time.monotonic()
            try:
                data = store.get_entry(kind, service_key(key), timeout=timeout, retries=0,
                                       **reads)
                breaker.took(time.monotonic() - started, timeout)
                if data is not None:
                    breaker.read(matched=True)
            except (IncompleteAnswer, DigestMismatch) as e:
                _not_the_entry(kind, key, e)  # the service answered: this entry misses, no more
                # but one cut after most of its timeout cost that long: counted as a slow call
                breaker.took(time.monotonic() - started, timeout)
                if isinstance(e, DigestMismatch):  # whole, and other bytes: many say a proxy
                    breaker.read(matched=False)
                return None
            except Exception as e:
                if _unreachable(e):
                    breaker.trip(e)
                else:  # refused (429 rate-limited, 503 storage-busy): this read misses, no more
                    _refused(kind, "get", key, e)
                return None
            return data if data is None or _decodes(kind, key, data) else None

        def _put(self, key: str, data: bytes) -> None:
            if not breaker.writes_closed():
                return
            started = time.monotonic()
            try:
                store.put_entry(kind, service_key(key), bytes(data), timeout=timeout, retries=0,
                                **writes, **described)
                breaker.took(time.monotonic() - started, timeout, write=True)
                _wrote(kind, key)
            except Conflict as e:
                if e.slug == "blocked-by-rule":  # a standing rule refuses what this node compiles
                    _blocked(kind, key, e)
                else:
                    _kept_first(kind, key)  # another write stored this key first: it stays
            except Exception as e:
                if disk_refused(e):  # a local directory full or read-only: reads go on
                    _unwritable(kind, e, breaker)
                elif _timed_out(e):  # queued behind other uploads, most likely: reads go on
                    breaker.trip_writes(e)
                elif _unreachable(e):
                    breaker.trip(e)
                else:  # refused, this write only: reads of stored entries go on
                    _refused(kind, "put", key, e)

    if not hasattr(RemoteCacheBackend, "_get"):
        # an older torch, whose backends implement get and put themselves (its base class has
        # them as empty hooks: left alone, every read would miss and every write vanish)
        ServiceBackend.get = ServiceBackend._get  # type: ignore[method-assign]
        ServiceBackend.put = ServiceBackend._put  # type: ignore[method-assign]
    ServiceBackend.__name__ = "ServiceBackend_" + kind.replace("-", "_")
    return ServiceBackend


def _takes(method: Any, name: str) -> bool:
    """Whether a method takes a keyword argument of this name (or any, through ``**kwargs``)."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters)


# 5xx answers that refuse one call while the service works: the next call may well succeed
# (spool-unavailable: this instance's temporary disk refused a body sent without its digest,
# which this client never sends; reads need no spool, and its readiness stays up;
# database-writes-refused: PostgreSQL turned read-only or its disk is full, and it still reads;
# database-busy: a lock the write needed stayed held by another writer)
_BUSY = {"storage-busy", "storage-race", "spool-unavailable", "database-writes-refused",
         "database-busy"}

# PyTorch writes these again under the same key as it learns more (coordinate descent's result
# after the first autotuning; a profile that grew); the service keeps the first bytes
_REWRITTEN = {"autotune", "bundled-autotune", "pgo"}

# what this process has warned of once already
_warned: set = set()

# the keys of the entries that PyTorch may write again that this process has stored: a later write
# the service refuses is then PyTorch rewriting its own entry, not another node's that came first
_written: set = set()
_WRITTEN_MAX = 100_000


def _first_time(what: Any) -> bool:
    if what in _warned:
        return False
    _warned.add(what)
    return True


def _timed_out(e: BaseException) -> bool:
    """Whether a call failed by running out of its time (the deadline, a socket's timeout),
    rather than by a refused connection or a failing answer."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, (socket.timeout, TimeoutError)):
            return True
        seen.add(id(e))
        e = e.__cause__ or (None if e.__suppress_context__ else e.__context__)
    return False


def _unwritable(kind: str, e: Exception, breaker: Breaker) -> None:
    """Writes off for the cooldown; reads of what the directory holds go on. Said once as a
    warning per cause (a read-only directory refuses every write; a full one, until it is cleared),
    later ones at INFO. Before, this was taken for an unreachable service: every write on a
    read-only mirror turned its reads off for 30 s, and warned each time."""
    breaker.close_writes()
    cause = errno.errorcode.get(e.errno, str(e.errno))
    if _first_time(("disk", cause)):
        log.warning("pt2cache: entries cannot be written (%s), writes off for %.0f s at a time, "
                    "reads go on; logged once: %s", cause, breaker.cooldown, e)
    else:
        log.info("pt2cache: %s entry not written (%s): %s", kind, cause, e)


def _unreachable(e: Exception) -> bool:
    """Whether a failure says the service cannot serve now (not reached, timed out, failing), so
    that every call would wait on it, rather than that it refused this one call (a 4xx, or a busy
    store)."""
    if not isinstance(e, CacheError):
        return True
    if e.status is None:
        return True
    return e.status >= 500 and e.slug not in _BUSY


# refusals every later call will get too (an expired or revoked token, a wrong namespace): said
# once per process where a default logging set-up shows it, since every read then misses
# (and a 404 that is no "no such entry": a URL prefix that reaches no API, a proxy's page)
_LASTING = {"unauthenticated", "forbidden", "namespace-not-found", "not-found"}


# refusals of some calls only, each of which costs a compile (a read) or leaves a result unshared
# (a write), and which only the service's metrics would show otherwise: a node over its rate
# (429), an entry larger than the namespace's quota or the service takes (413). Said once where
# a default logging set-up shows it
_SAID_ONCE = {"rate-limited", "exceeds-quota", "payload-too-large"}


def _refused(kind: str, operation: str, key: str, e: Exception) -> None:
    slug = getattr(e, "slug", None)
    if isinstance(e, NotFound) and slug is None:
        slug = "not-found"
    if getattr(e, "status", None) == 413 and slug is None:
        slug = "payload-too-large"  # a proxy's own 413 (its body limit), refusing writes as big
    # a write refused as forbidden is a read token's, which is fine on a node that only reads
    lasting = slug in _LASTING and (operation == "get" or slug != "forbidden")
    if lasting and _first_time(("refusal", slug)):
        log.warning("pt2cache: the service refuses this node's calls (%s): remote caches miss "
                    "and writes are dropped until that is mended (logged once)", e)
    elif slug in _SAID_ONCE and _first_time(("refusal", slug)):
        log.warning("pt2cache: the service refused a %s %s (%s [%s]): a refused read is "
                    "compiled here, a refused write is not shared; later ones at INFO (logged "
                    "once)", kind, operation, e, slug)
    else:
        log.info("pt2cache: %s %s %s refused: %s", kind, operation, key, e)


def _not_the_entry(kind: str, key: str, e: CacheError) -> None:
    """The service answered, and this entry's bytes are not the entry's: cut short, as the service
    does when its store gives back bytes that are not the content, which it then retires, so that
    the next read misses and PyTorch's write stores the entry again (docs/adr/0028); or whole and
    with another digest, changed on the way (a proxy that rewrites bodies). This read misses and
    PyTorch compiles the graph; the other entries are read on. Before, either tripped the breaker
    as an unreachable service: every read missed for the cooldown, and the node compiled
    everything. (An answer without the service's digest at all, a proxy's own page, still does.)
    Said once per kind and cause as a warning, later ones at INFO: behind a proxy that rewrites
    every body, a compile of 200 entry reads warned 150 times (one read in four a miss)."""
    how = "did not match its digest" if isinstance(e, DigestMismatch) else "came incomplete"
    (log.warning if _first_time(("not-the-entry", kind, how)) else log.info)(
        "pt2cache: %s entry %s %s, taken as a miss (PyTorch compiles it; other entries are read "
        "on; later ones at INFO, logged once per kind): %s", kind, key, how, e)


def _blocked(kind: str, key: str, e: Conflict) -> None:
    """A standing rule (by the model, torch or GPU of the descriptor the entries carry) refuses
    this node's writes, every one of them: said once where a default logging set-up shows it,
    with the rule, since what the node compiles is then kept from the other nodes."""
    if _first_time(("blocked", None)):
        log.warning("pt2cache: a standing rule refuses this node's entries, so what it compiles "
                    "is not shared (logged once): %s [blocked-by-rule]", e)
    else:
        log.info("pt2cache: %s entry %s refused by a rule: %s", kind, key, e)


def _wrote(kind: str, key: str) -> None:
    if kind in _REWRITTEN and len(_written) < _WRITTEN_MAX:
        _written.add((kind, key))


def _kept_first(kind: str, key: str) -> None:
    """The service kept other bytes under a key this node wrote: PyTorch rewriting an entry this
    process stored before (coordinate descent's result after the first autotuning, measured in
    the same process on an H100), or another node that stored its own first. Only the first is
    worth a warning: nodes that compile at once (a deploy) tune the same kernels, each picks a
    best config of its own by its timings, and one of them is kept, as it should be; before, 7 of
    8 nodes started at once each warned that PyTorch had rewritten its entry."""
    if kind in _REWRITTEN and (kind, key) in _written:
        if _first_time(("rewrite", kind)):
            log.warning("pt2cache: PyTorch rewrote its %s entry %s, and the service keeps the "
                        "first bytes stored under a key: nodes read the first version (logged "
                        "once per kind; see the client README on rewritten entries)", kind, key)
            return
    elif kind in _REWRITTEN and _first_time(("kept-other", kind)):
        log.info("pt2cache: another node stored its own %s entry %s first (nodes that tune at "
                 "once keep the first one's; logged once per kind)", kind, key)
        return
    log.debug("pt2cache: %s entry %s was stored first by another write", kind, key)


def _decodes(kind: str, key: str, data: bytes) -> bool:
    """Whether PyTorch can decode the entry: every remote cache of torch 2.11 reads its entries as
    JSON, and the autotune caches do so where a failure is not caught, so that bytes that are no
    JSON (stored by a careless tool, truncated on a disk) would fail the compile. They are a miss."""
    try:
        json.loads(data)
        return True
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError both
        log.warning("pt2cache: %s entry %s is not what PyTorch stores (%s); taken as a miss",
                    kind, key, e)
        return False


def install(store: EntryStore, *, fx_graph: bool = True, aot_autograd: bool = True,
            autotune: bool = True, pgo: bool = False, timeout: float = 2.0,
            cooldown: float = 30.0,
            descriptor: Optional[Dict[str, Any]] = None,
            workers: bool = True, warn: bool = True) -> Dict[str, str]:
    """Routes PyTorch's remote caches to the store and switches them on, in this process and, for
    the autotune cache that PyTorch builds there, in the compile workers it starts from now on
    (``workers``; see ``pt2cache.workers``).

    ``descriptor`` (``pt2cache.describe(model, version)``) is sent with every entry written, so
    that an invalidation or blocking rule by model, torch or GPU reaches the entries too; without
    it, only rules by kind, key or digest do.

    The switches it sets are the same as these environment variables, which can be set instead
    (before torch is imported): ``TORCHINDUCTOR_FX_GRAPH_REMOTE_CACHE=1``,
    ``TORCHINDUCTOR_AUTOGRAD_REMOTE_CACHE=1``, ``TORCHINDUCTOR_AUTOTUNE_REMOTE_CACHE=1``,
    ``TORCHINDUCTOR_BUNDLED_AUTOTUNE_REMOTE_CACHE=1``. Answers the cache classes it routed.

    A cache this torch has not (in a shape the client can route: the class, its
    ``backend_override_cls``, the setting) is neither routed nor switched on, and the release and
    what it lacks are logged as a warning; where none of those asked for can be routed, that is
    :class:`UnsupportedTorch`, and nothing is switched on (README, "Which PyTorch releases").
    ``warn`` False says it at INFO: each compile worker installs too, and its parent has warned.
    Compile workers are reached through ``pt2cache.workers`` (docs/adr/0023).
    """
    if descriptor is not None:
        from .client import descriptor_header

        descriptor_header(descriptor)  # what the service would refuse fails here, not every put
    import torch._inductor.remote_cache as remote_cache

    wanted = {"fx-graph": fx_graph, "aot-autograd": aot_autograd, "autotune": autotune,
              "bundled-autotune": autotune, "pgo": pgo}
    routed: Dict[str, str] = {}
    lacking: Dict[str, list] = {}
    breaker = Breaker(cooldown)
    for class_name, kind, config_name, setting in CACHES:
        if not wanted[kind]:
            continue
        config = _config(config_name)
        lacks = _lacks(remote_cache, class_name, config_name, config, setting)
        if lacks:  # never switched on: PyTorch would go to its own Redis backend instead
            lacking[kind] = lacks
            continue
        getattr(remote_cache, class_name).backend_override_cls = backend_class(
            store, kind, timeout, breaker, descriptor)
        setattr(config, setting, True)
        routed[class_name] = kind
    if lacking:
        _say_unsupported(lacking, routed, loudly=warn)
    if "pgo" in routed.values():
        _say_if_pgo_has_no_job(loudly=warn)
    from . import workers as compile_workers

    if "autotune" in routed.values() and workers:
        compile_workers.export(store, descriptor, timeout, cooldown)
    elif workers:
        compile_workers.forget()  # no worker goes on with what an earlier call routed
    log.info("pt2cache: PyTorch remote caches on the service: %s", routed)
    return routed


def _say_if_pgo_has_no_job(loudly: bool) -> None:
    """PyTorch keys PGO's profiles by ``torch.compiler.config.job_id`` (``TORCH_COMPILE_JOB_ID``)
    and, with none set (and no job of its own scheduler), neither reads nor writes one: routed,
    PGO's cache would do nothing, unsaid. Said once at install; a job id set later, before the
    first compile, still works."""
    try:
        from torch._dynamo import pgo as dynamo_pgo

        key = dynamo_pgo.get_cache_key()
    except Exception:  # a release without it, or one whose key raises: PyTorch says so itself
        return
    if key is None:
        (log.warning if loudly else log.info)(
            "pt2cache: PGO's cache goes to the service, but torch.compiler.config.job_id "
            "(TORCH_COMPILE_JOB_ID) is not set, and PyTorch reads and writes profiles only under "
            "a job id: set it, the same on the nodes that should share profiles, before the first "
            "compile (see the client README, 'Inputs whose shape changes')")


def _config(name: str) -> Any:
    """One of torch's config modules, or None where this torch has none of that name."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _lacks(remote_cache: Any, class_name: str, config_name: str, config: Any,
           setting: str) -> list:
    """What this torch lacks of what routing one remote cache takes: the backend base class, the
    cache class, the class's ``backend_override_cls`` (torch 2.4's caches had none: setting it
    would change nothing and PyTorch would write to Redis), and the setting that turns it on."""
    lacks = []
    if not hasattr(remote_cache, "RemoteCacheBackend"):
        lacks.append("torch._inductor.remote_cache.RemoteCacheBackend")
    cache_class = getattr(remote_cache, class_name, None)
    if cache_class is None:
        lacks.append("torch._inductor.remote_cache." + class_name)
    elif not hasattr(cache_class, "backend_override_cls"):
        lacks.append("%s.backend_override_cls" % class_name)
    if config is None or not hasattr(config, setting):
        lacks.append("%s.%s" % (config_name, setting))
    return lacks


def _torch_version() -> str:
    torch = sys.modules.get("torch")
    return str(getattr(torch, "__version__", "of unknown version"))


def _say_unsupported(lacking: Dict[str, list], routed: Dict[str, str], loudly: bool) -> None:
    """Names the release and what it lacks. Where none of the caches asked for can be routed,
    that is :class:`UnsupportedTorch`; where some can, a warning (INFO in compile workers, whose
    parent has said it), and the others go on."""
    said = "; ".join("%s (lacks %s)" % (kind, ", ".join(lacks)) for kind, lacks in lacking.items())
    if not routed:
        raise UnsupportedTorch(
            "pt2cache: torch %s cannot route its remote caches to the service: %s. Nothing was "
            "switched on: PyTorch compiles with its local caches only (see the client README, "
            "'Which PyTorch releases')" % (_torch_version(), said))
    (log.warning if loudly else log.info)(
        "pt2cache: torch %s has no remote cache the client can route for %s: those stay in "
        "PyTorch's local caches on this node; %s go to the service (see the client README, "
        "'Which PyTorch releases')", _torch_version(), said, ", ".join(sorted(routed.values())))
