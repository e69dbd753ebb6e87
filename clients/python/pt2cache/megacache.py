"""Warm start for the Mega-Cache: ``torch.compile`` that asks the cache before compiling.

On a hit the artifact is downloaded (verified, atomically) and handed to
``torch.compiler.load_cache_artifacts()`` before the first compiled call, so that call finds
PyTorch's caches warm. On a miss the model compiles as usual; after the first compiled call (or
the first ``upload_after_calls``) the result of ``torch.compiler.save_cache_artifacts()`` is
uploaded in the background for the next node, so the first answer never waits on the cache.
Whatever the cache does (unreachable, slow, an error, a malformed answer), the model still
compiles locally and runs; the reason is logged.

A downloaded artifact that PyTorch fails to load is reported to the service (``load-failed``,
counted once per token and node: ``PT2CACHE_NODE``, or the host name), and the model compiles
locally. PyTorch says so by raising or, as torch 2.11 does for bytes it cannot unpickle (garbage,
truncated, a byte flipped), by logging a warning and returning ``None``: both count as failures.
This node's compiled result is uploaded only when the report's answer says the artifact is no
longer ready (retired by the namespace's ``invalidateAfterReports``, or gone); otherwise the key
still holds it and the upload would only be refused.

A hit that loads and still leaves the first call compiling its graphs anew (PyTorch's
``fxgraph_cache_miss`` counter rises) was made for something this descriptor does not tell apart.
That is logged as a warning naming the artifact, and kept in ``graphs_compiled_anyway``; it is not
reported, since a node whose first input has another shape misses for a reason of its own.

Whether a model uses Dynamo's precompile (``precompile=True``), or under CUDA graphs goes without
it or without the cache, is decided in :mod:`pt2cache.dynamo_precompile`.
"""

import atexit
import errno
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import traceback
from typing import Any, Callable, Dict, Optional, Set

from .client import CacheClient
from .dynamo_precompile import precompile_or_no_cache, raised_converting_a_frame
from .errors import Conflict, IntegrityError, NotFound
from .files import disk_refused

log = logging.getLogger("pt2cache")

KIND = "mega-cache"
REPORT_TIMEOUT = 5.0
DOWNLOAD_BASE_SECONDS = 20.0
DOWNLOAD_BYTES_PER_SECOND = 25e6
OTHER_NODES_UPLOAD = ("key-conflict", "upload-in-flight")
NOTHING_LOADED = ("torch.compiler.load_cache_artifacts() returned None: PyTorch could not read "
                  "the artifact (its own warning says why)")


class WarmStart:
    """A compiled model, warm-started from the cache. Call it like the model."""

    def __init__(self, model: Callable, client: Optional[CacheClient],
                 descriptor: Optional[Dict[str, Any]], compile_kwargs: Dict[str, Any],
                 torch_module: Any, lookup_timeout: float, upload_after_calls: int = 1,
                 precompile: bool = False) -> None:
        self.client = client
        self.descriptor = descriptor
        self.torch = torch_module
        # a serving process's request threads make the first calls at once: the first call, and
        # the upload after it, are each claimed by one of them. Held for the claim only, never
        # over a call of the model
        self._claims = threading.Lock()
        self.lookup_timeout = lookup_timeout
        self.hit = False
        self.report: Optional[Dict[str, Any]] = None
        self._key_taken = False
        self.loaded_seconds: Optional[float] = None
        self.graphs_compiled_anyway: Optional[int] = None
        self._precompile = precompile
        # calls made again after Dynamo failed beside the precompiled graphs it loaded
        self.dynamo_failures_retried = 0
        self._artifact_id: Optional[str] = None
        self._first_call = True
        self._calls_before_upload = upload_after_calls  # calls still to end before the upload
        self.uploaded: Optional[Dict[str, Any]] = None
        self._upload: Optional[threading.Thread] = None
        if client is not None and descriptor is not None:
            self._load()
        self.compiled = torch_module.compile(model, **compile_kwargs)
        self._pending_upload = (client is not None and descriptor is not None and not self.hit
                                and not self._key_taken)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._claims:
            first, self._first_call = self._first_call, False
            misses = _graph_cache_misses(self.torch) if first and self.hit else None
        try:
            result = self.compiled(*args, **kwargs)
        except AssertionError as e:
            if not (self.hit and self._precompile and raised_converting_a_frame(e)):
                raise
            self._retried_after_dynamo(e)
            result = self.compiled(*args, **kwargs)
        if misses is not None:
            self._check_warm(misses)
        with self._claims:
            self._calls_before_upload = max(self._calls_before_upload - 1, 0)
            upload = self._pending_upload and self._calls_before_upload == 0
            if upload:
                self._pending_upload = False
        if upload:
            self._start_upload()
        return result

    def _retried_after_dynamo(self, failure: AssertionError) -> None:
        """PyTorch 2.11's Dynamo, having loaded precompiled graphs (``caching_precompile``), fails
        the first graph it then compiles itself (an input of another shape, a guard that no
        longer holds) with an ``AssertionError`` while it converts the frame, before any of the
        model's code runs; the same call made again compiles it (measured on an H100: README,
        "Dynamo's precompile in the Mega-Cache"). Without this the node's request failed."""
        with self._claims:
            self.dynamo_failures_retried += 1
        where = traceback.extract_tb(failure.__traceback__)[-1]
        log.warning("pt2cache: Dynamo failed to compile a graph beside the precompiled ones it "
                    "loaded from artifact %s (torch %s, precompile: AssertionError at %s:%s); "
                    "calling again, which compiles it", self._artifact_id,
                    getattr(self.torch, "__version__", "?"), where.filename, where.lineno)

    def wait_for_upload(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """Waits for the background upload after a miss (if any); the uploaded artifact."""
        if self._upload is not None:
            self._upload.join(timeout)
        return self.uploaded

    def _load(self) -> None:
        started = time.perf_counter()
        artifact: Optional[Dict[str, Any]] = None
        try:
            answer = within(self.lookup_timeout, lambda: self.client.lookup(
                KIND, self.descriptor, timeout=self.lookup_timeout,
                deadline=self.lookup_timeout, retries=2))
            if not isinstance(answer, dict):
                raise ValueError("unexpected lookup answer %r" % (answer,))
            if not answer.get("hit"):
                self._log_miss(answer)
                miss = answer.get("miss")
                if isinstance(miss, dict) and miss.get("reason") == "blocked":
                    self._key_taken = True  # a standing rule would refuse this node's upload
                return
            artifact = answer["artifact"]
            # from here on the key holds an artifact: an upload over it would only be refused,
            # unless the artifact is gone by the time it is fetched
            self._key_taken = True
            allowed = download_time(artifact.get("sizeBytes"))
            stop = threading.Event()
            data = within(allowed, lambda: self._fetch(artifact, allowed, stop), stop)
        except IntegrityError as e:  # served bytes that are not the artifact's: say so
            if artifact is None:
                log.warning("pt2cache: warm start unavailable, compiling locally: %s", e)
                return
            log.warning("pt2cache: artifact %s came corrupt, compiling locally: %s",
                        artifact.get("id"), e)
            self._report(artifact, str(e), problem="other")
            return
        except Exception as e:  # fail open: any trouble means compiling locally
            if self._key_taken and getattr(e, "status", None) in (404, 410):
                self._key_taken = False  # retired or purged since the lookup: the key is free
                log.warning("pt2cache: the artifact went before it was fetched, compiling "
                            "locally (this node's result will be uploaded): %s", e)
            else:
                log.warning("pt2cache: warm start unavailable, compiling locally: %s", e)
            return
        try:
            info = self.torch.compiler.load_cache_artifacts(data)
            failure = NOTHING_LOADED if info is None else None
        except Exception as e:
            failure = repr(e)
        if failure is not None:
            log.warning("pt2cache: artifact %s failed to load, compiling locally: %s",
                        artifact.get("id"), failure)
            self._report(artifact, failure)
            return
        self.hit = True
        self._artifact_id = artifact.get("id")
        self.loaded_seconds = time.perf_counter() - started
        log.info("pt2cache: hit, loaded artifact %s (%s bytes) in %.2f s: %s", artifact.get("id"),
                 artifact.get("sizeBytes"), self.loaded_seconds, info)

    def _fetch(self, artifact: Dict[str, Any], allowed: float, stop: threading.Event) -> bytes:
        """The artifact's bytes, verified, by way of a temporary directory of its own: when the
        start stops waiting for it (``stop``: interrupted, or its time is up), this stops at the
        next chunk, or at its deadline where none comes, and removes the directory."""
        _sweep_fetches()
        end = time.monotonic() + allowed
        try:
            directory = tempfile.mkdtemp(prefix=FETCH_PREFIX)
            _IN_FLIGHT.add(directory)
            try:
                path = self.client.download(artifact, os.path.join(directory, "mega-cache.bin"),
                                            deadline=allowed, retries=1, cancelled=stop)
                with open(path, "rb") as f:
                    return f.read()
            finally:
                shutil.rmtree(directory, ignore_errors=True)
                _IN_FLIGHT.discard(directory)
        except OSError as e:
            if not disk_refused(e):
                raise
            # a read-only root file system, a full temporary directory: the bytes are read whole
            # anyway, so they come into memory instead. Before, such a node compiled every hit
            log.warning("pt2cache: no room for the download in %s (%s); fetching into memory",
                        tempfile.gettempdir() if e.errno != errno.ENOENT else "any temporary "
                        "directory", e)
            return self.client.download_bytes(artifact, deadline=max(end - time.monotonic(),
                                                                     0.001),
                                              retries=1, cancelled=stop)

    def _check_warm(self, misses_before: int) -> None:
        misses = _graph_cache_misses(self.torch)
        if misses is None:
            return
        self.graphs_compiled_anyway = misses - misses_before
        if self.graphs_compiled_anyway > 0:
            log.warning("pt2cache: artifact %s loaded, yet the first call compiled %d graph(s) "
                        "anew: it was made for something the descriptor does not tell apart "
                        "(another input shape, or a setting left out of compile options)",
                        self._artifact_id, self.graphs_compiled_anyway)

    def _report(self, artifact: Dict[str, Any], failure: str,
                problem: str = "load-failed") -> None:
        """Reports the failed load, within ``REPORT_TIMEOUT`` in all and never raising. The key
        stays taken (no upload over it) unless the answer says the artifact is no longer ready."""
        self._key_taken = True
        try:
            answer = within(REPORT_TIMEOUT, lambda: self.client.report(
                artifact["id"], problem, detail=failure, node=node_name(),
                timeout=REPORT_TIMEOUT, deadline=REPORT_TIMEOUT, retries=0))
            if not isinstance(answer, dict):
                raise ValueError("unexpected report answer %r" % (answer,))
            self.report = answer
            state = answer.get("state")
        except NotFound:
            state = "gone"
        except Exception as e:
            log.warning("pt2cache: reporting artifact %s failed: %s", artifact.get("id"), e)
            return
        if state == "ready":
            log.warning("pt2cache: reported artifact %s (%s reporters); not uploading over it",
                        artifact.get("id"), self.report.get("reportCount"))
            return
        self._key_taken = False
        log.warning("pt2cache: artifact %s is %s now; this node's compile will replace it",
                    artifact.get("id"), state)

    @staticmethod
    def _log_miss(answer: Dict[str, Any]) -> None:
        miss = answer.get("miss") if isinstance(answer.get("miss"), dict) else {}
        closest = miss.get("closest") if isinstance(miss.get("closest"), dict) else {}
        differences = closest.get("differences")
        log.info("pt2cache: miss (%s: %s)%s; compiling locally", miss.get("reason"),
                 miss.get("detail"),
                 " closest differs in %s" % differences if differences else "")

    def _start_upload(self) -> None:
        try:
            saved = self.torch.compiler.save_cache_artifacts()
        except Exception as e:
            log.warning("pt2cache: saving the compile caches failed; not uploaded: %s", e)
            return
        if not saved:
            log.warning("pt2cache: nothing to save after compiling; not uploaded")
            return
        self._upload = threading.Thread(target=self._send, args=(saved[0],),
                                        name="pt2cache-upload", daemon=True)
        _UPLOADS.add(self._upload)
        self._upload.start()

    def _send(self, data: bytes) -> None:
        try:
            self._send_now(data)
        finally:
            _UPLOADS.discard(threading.current_thread())

    def _send_now(self, data: bytes) -> None:
        try:
            self.uploaded = self.client.upload(KIND, data, descriptor=self.descriptor)
            log.info("pt2cache: uploaded %d bytes as artifact %s (%s)", len(data),
                     self.uploaded.get("id"), self.uploaded.get("state"))
        except Conflict as e:
            if e.slug not in OTHER_NODES_UPLOAD:  # a standing rule refuses this build, say
                log.warning("pt2cache: upload after compiling refused (%s; the model runs "
                            "anyway): %s", e.slug, e)
                return
            # another node's upload holds the key, or is in flight with its lease: as it should be
            log.info("pt2cache: not uploaded, another node's upload holds the key (%s)", e.slug)
        except Exception as e:
            log.warning("pt2cache: upload after compiling failed (the model runs anyway): %s", e)


def warm_start(model: Callable, client: Optional[CacheClient] = None, *, model_name: str,
               model_version: str, fingerprint: Optional[str] = None,
               tags: Optional[Dict[str, str]] = None, device: Optional[int] = None,
               lookup_timeout: float = 5.0, torch_module: Any = None,
               upload_after_calls: int = 1, precompile: bool = False,
               **compile_kwargs: Any) -> WarmStart:
    """``torch.compile(model, **compile_kwargs)``, warm-started from the cache.

    ``client`` None means a client from the environment (``PT2CACHE_URL``, ``PT2CACHE_NAMESPACE``,
    ``PT2CACHE_TOKEN``). With ``PT2CACHE_URL`` unset or empty there is no cache: a warning (once
    per process) and a plain ``torch.compile``, rather than ``CacheClient``'s own default of
    http://localhost:8080, which on a serving host is as likely the model server's own port (and
    would be sent the token).

    The descriptor is built from this process (:func:`pt2cache.describe`, on ``device``, the
    current CUDA device by default) and the compile settings: ``backend``, ``mode``, ``dynamic``
    and ``options`` as given to ``torch.compile``. The lookup gets ``lookup_timeout`` seconds in
    all; anything wrong on the cache's side leaves a plain ``torch.compile``.

    After a miss, the upload starts once ``upload_after_calls`` calls have ended (1: the first).
    A Mega-Cache holds what the process compiled before it was saved, and the key keeps the first
    one stored: a node that serves several input shapes makes one warm-up call with each and
    passes their number, so that the next node finds every shape's graph (README, "Inputs whose
    shape changes"). A process that makes fewer calls uploads nothing.

    ``precompile=True`` turns on PyTorch's ``torch._dynamo.config.caching_precompile`` in this
    process (an experimental setting of PyTorch's), so that the Mega-Cache also carries Dynamo's
    own output and a hit skips Dynamo's tracing as well: on an H100, resnet50's first call after
    a hit took 0.25 s rather than 2.4 s (README, "Dynamo's precompile in the Mega-Cache"). It is
    part of the key: nodes with it and without it keep apart. A torch without the setting warns
    once and goes on without it. Warm up every input shape before the upload: in torch 2.11 the
    first graph Dynamo compiles beside loaded precompiled ones fails the call, which is then made
    once more (README, "Dynamo's precompile in the Mega-Cache"). Compile settings that ask for
    CUDA graphs (``mode="reduce-overhead"``, ``"max-autotune"``) go on without precompile, with a
    warning: a precompiled graph runs without them in torch 2.11; in a process where Dynamo's
    precompile is already on (it is process-wide), such a model goes without the cache.
    """
    if isinstance(upload_after_calls, bool) or not isinstance(upload_after_calls, int) \
            or upload_after_calls < 1:
        raise ValueError("upload_after_calls must be a whole number of calls, 1 or more, not %r"
                         % (upload_after_calls,))
    if torch_module is None:
        import torch as torch_module  # noqa: N813

    def without_cache() -> WarmStart:
        return WarmStart(model, None, None, compile_kwargs, torch_module, lookup_timeout,
                         upload_after_calls)

    if client is None and not os.environ.get("PT2CACHE_URL"):
        _warn_no_url()
        return without_cache()
    if not _has_mega_cache(torch_module):
        return without_cache()
    backend = _backend_name(compile_kwargs.get("backend", "inductor"))
    precompile = precompile_or_no_cache(torch_module, compile_kwargs, backend, precompile)
    if precompile is None:
        return without_cache()
    descriptor = None
    try:
        from .environment import describe

        if client is None:
            client = CacheClient()
        descriptor = describe(
            model_name, model_version, fingerprint=fingerprint,
            backend=backend,
            mode=compile_kwargs.get("mode"), dynamic=compile_kwargs.get("dynamic"),
            options=compile_kwargs.get("options"), tags=tags, device=device,
            torch_module=torch_module)
    except Exception as e:
        log.warning("pt2cache: cache not usable, compiling locally: %s", e)
        client = None
    return WarmStart(model, client, descriptor, compile_kwargs, torch_module, lookup_timeout,
                     upload_after_calls, precompile)


MEGA_CACHE_CALLS = ("save_cache_artifacts", "load_cache_artifacts")
_no_mega_cache_warned = False


def _has_mega_cache(torch_module: Any) -> bool:
    """Whether this torch has the Mega-Cache calls (torch 2.7 and later; torch 2.6's
    ``torch.compiler`` has neither). Without them, a warning naming the release, once per process,
    and a plain ``torch.compile``: before, such a node looked the artifact up, compiled, then
    failed to save it ("saving the compile caches failed"), for every model and process."""
    global _no_mega_cache_warned
    compiler = getattr(torch_module, "compiler", None)
    lacking = [name for name in MEGA_CACHE_CALLS if not callable(getattr(compiler, name, None))]
    if lacking and not _no_mega_cache_warned:
        _no_mega_cache_warned = True
        log.warning("pt2cache: torch %s has no torch.compiler.%s (the Mega-Cache came with torch "
                    "2.7): warm start is off, compiling without it; install_remote_caches still "
                    "shares what this release's remote caches hold (see the client README, "
                    "'Which PyTorch releases')", getattr(torch_module, "__version__", "?"),
                    " nor ".join(lacking))
    return not lacking


NO_URL = "pt2cache: PT2CACHE_URL is not set: compiling without the cache"
_no_url_warned = False


def _warn_no_url() -> None:
    global _no_url_warned
    if not _no_url_warned:
        _no_url_warned = True
        log.warning(NO_URL)


# directories of downloads still running: a process that ends first removes them (its daemon
# threads end without their finally blocks)
_IN_FLIGHT: Set[str] = set()

FETCH_PREFIX = "pt2cache-fetch-"
# longer than any download's allowance (a 50 GB artifact gets about 35 minutes)
STALE_FETCH_SECONDS = 24 * 3600


def _sweep_fetches() -> None:
    """Removes the download directories of processes killed mid-download (SIGKILL, or SIGTERM,
    which skips exit handlers) once a day old: each holds up to a whole artifact."""
    root = tempfile.gettempdir()
    try:
        names = [n for n in os.listdir(root) if n.startswith(FETCH_PREFIX)]
    except OSError:
        return
    for name in names:
        path = os.path.join(root, name)
        try:
            if os.path.isdir(path) and time.time() - os.stat(path).st_mtime > STALE_FETCH_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass  # gone meanwhile, or another user's


# uploads after a miss still running, which a process that ends waits for a while
_UPLOADS: Set[threading.Thread] = set()
UPLOAD_EXIT_WAIT = "PT2CACHE_UPLOAD_EXIT_WAIT"
# the threads of uploads the exit wait gave up on, by ident: they run on through the rest of the
# exit, past logging's shutdown when a hook registered before logging was imported holds the
# process (a join of worker processes, a server's own), and logged then, to handlers already
# closed (a file handler opens its file again), after the warning that said they were abandoned
_ABANDONED: Set[int] = set()
UNHEARD = ("not waited for nor heard from any longer; unless it ends before the process does, "
           "the next node compiles and uploads instead")


class _SilenceAbandoned(logging.Filter):
    """Drops what an abandoned upload's thread logs, its calls' retries included: the exit hook
    said what became of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread not in _ABANDONED


log.addFilter(_SilenceAbandoned())


@atexit.register
def _finish_uploads() -> None:
    """Waits, at exit, up to ``PT2CACHE_UPLOAD_EXIT_WAIT`` seconds (30 by default, 0 for not at
    all) for the uploads after a miss: a short job (a script, a batch compile) would otherwise
    end before its upload, every time, and no node would ever hit. One still running then is
    abandoned, and said so."""
    running = [upload for upload in list(_UPLOADS) if upload.is_alive()]
    if not running:
        return
    try:
        wait = max(float(os.environ.get(UPLOAD_EXIT_WAIT, "30")), 0.0)
    except ValueError:
        wait = 30.0
    joining = None
    try:
        # a warning, so that a process that seems to hang at exit says why where logging is not
        # set up (Python then shows warnings only)
        if wait > 0:
            log.warning("pt2cache: waiting up to %g s at exit for %d upload(s) after "
                        "compiling (%s; Ctrl-C abandons them)", wait, len(running),
                        UPLOAD_EXIT_WAIT)
        end = time.monotonic() + wait
        for upload in running:
            joining = upload
            upload.join(max(end - time.monotonic(), 0.0))
    except KeyboardInterrupt:
        # the user chose not to wait: said as such, not as a traceback from an exit hook. (A
        # join that Ctrl-C interrupts marks its thread as ended, running or not: counted here.)
        left = [upload for upload in running if upload is joining or upload.is_alive()]
        log.warning("pt2cache: %d upload(s) after compiling abandoned at exit (interrupted); "
                    "%s", len(left), UNHEARD)
        _ABANDONED.update(upload.ident for upload in left if upload.ident is not None)
        return
    left = [upload for upload in running if upload.is_alive()]
    if left:
        log.warning("pt2cache: %d upload(s) after compiling abandoned at exit, after %g s "
                    "(%s); %s", len(left), wait, UPLOAD_EXIT_WAIT, UNHEARD)
        _ABANDONED.update(upload.ident for upload in left if upload.ident is not None)


@atexit.register
def _remove_downloads_in_flight() -> None:
    for directory in list(_IN_FLIGHT):
        shutil.rmtree(directory, ignore_errors=True)


def _forget_parents_downloads() -> None:
    """In a forked child: the downloads in flight are its parent's, which goes on with them
    (the child has none of their threads). The child's exit, which runs the exit hooks it
    inherited (a pre-fork server's worker ends so), must not remove them."""
    _IN_FLIGHT.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parents_downloads)


def download_time(size: Any) -> float:
    """The time a hit's download gets in all, retries included: 20 s and a second per 25 MB (a
    gigabyte gets 60 s). A download slower than that costs more than the compile it saves; the
    node compiles locally instead."""
    try:
        return DOWNLOAD_BASE_SECONDS + max(int(size), 0) / DOWNLOAD_BYTES_PER_SECOND
    except (TypeError, ValueError):
        return DOWNLOAD_BASE_SECONDS


def within(seconds: float, call: Callable[[], Any],
           abandoned: Optional[threading.Event] = None) -> Any:
    """``call()``, given ``seconds`` in all: the socket timeouts bound each read, not a service
    that answers a byte at a time. The call runs on a daemon thread, which is left to its socket
    timeout when the time is up; ``TimeoutError`` then. ``abandoned`` is set when the caller stops
    waiting, its time up or the wait interrupted (Ctrl-C, a SIGTERM handler's ``SystemExit``),
    for a call that can stop early."""
    outcome: Dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as e:  # handed to the caller below
            outcome["error"] = e

    worker = threading.Thread(target=run, name="pt2cache-call", daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    except BaseException:
        if abandoned is not None:
            abandoned.set()
        raise
    # after an interrupted join, is_alive() may say False of a thread still running: never here
    if worker.is_alive() or not outcome:
        if abandoned is not None:
            abandoned.set()
        raise TimeoutError("no whole answer within %.1f s" % seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _graph_cache_misses(torch_module: Any) -> Optional[int]:
    """PyTorch's count of FX graphs it compiled for want of a cache entry; None where unknown."""
    try:
        return int(torch_module._dynamo.utils.counters["inductor"]["fxgraph_cache_miss"])
    except Exception:
        return None


def node_name() -> str:
    """This node as reports name it: ``PT2CACHE_NODE``, or the host name; printable ASCII."""
    name = os.environ.get("PT2CACHE_NODE") or socket.gethostname() or "unknown"
    return re.sub(r"[^\x21-\x7e]", "_", name)[:200]


def _backend_name(backend: Any) -> str:
    """The backend as the descriptor names it, the same in every process: a function or class by
    its name, anything else (a ``functools.partial``, an instance of a backend class) by what it
    wraps or by its class, never by a ``repr`` holding an address. Settings an object carries are
    not in the name: pass ``tags`` to tell such backends apart."""
    if isinstance(backend, str):
        return backend
    name = getattr(backend, "__name__", None)
    if isinstance(name, str):
        return name
    wrapped = getattr(backend, "func", None)  # functools.partial
    if wrapped is not None and wrapped is not backend:
        return _backend_name(wrapped)
    cls = type(backend)
    return "%s.%s" % (cls.__module__, cls.__qualname__)
