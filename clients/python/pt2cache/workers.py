"""The remote autotune cache in Inductor's compile workers.

PyTorch builds the per-kernel autotune cache inside its compile workers (``SubprocPool``), fresh
interpreters that never import this package, so an override set in the compiling process does not
reach them: without this module, kernels built there neither read nor write the service. PyTorch
starts the workers with the compiling process's ``sys.path`` as their ``PYTHONPATH``;
:func:`export` puts a directory holding a ``sitecustomize`` first on it and writes a description of
the store to a file only its user can read, whose path it puts in the environment
(``PT2CACHE_WORKER_CACHES``). Each worker's interpreter then calls :func:`activate` as it starts.
The same pattern as coverage.py's measurement of subprocesses.

Only stores that can be rebuilt from a description are carried: a ``CacheClient`` (URL,
namespace, token) and a ``DirectoryEntries`` (its root). The token is in the file, not in the
environment, which every child process inherits (compilers, shells, crash reporters), and is left
out when it came from ``PT2CACHE_TOKEN``, which the workers inherit anyway. The file is removed at
exit; one left by a process killed by a signal is removed by the next export on the machine. Its
writer holds a lock on it while it lives (``flock``), and that lock, not a process id, tells a live
writer from a gone one: containers that share a temporary directory each number their processes
from 1, so a process id read from a file name means nothing in another container.
"""

import atexit
import json
import logging
import os
import re
import sys
import tempfile
import time
from typing import Any, Dict, Optional

try:
    import fcntl
except ImportError:  # not POSIX: a writer is judged alive by its process id alone
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("pt2cache")

ENV = "PT2CACHE_WORKER_CACHES"
PREFIX = "pt2cache-workers-"
# a description whose writer holds its lock while it lives
_HELD = re.compile(r"^pt2cache-workers-held-.*\.json$")
# one named by its writer's process id (written without a lock: by an earlier client, or where
# there is no flock)
_FILE = re.compile(r"^pt2cache-workers-(\d+)-.*\.json$")
# a held description younger than this is never swept: its writer locks it just after making it
FRESH_SECONDS = 60.0

# descriptions this process wrote, by the pid that wrote them (a forked child inherits the dict)
_created: Dict[str, int] = {}
# the open, locked descriptor of each description this process wrote
_locks: Dict[str, int] = {}
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
    store. False (and logged) for a store they cannot rebuild; what an earlier call exported is
    then forgotten, so that no worker goes on writing to the store before."""
    described = describe_store(store)
    if described is None:
        forget()
        log.info("pt2cache: autotune results of kernels built in Inductor's compile workers are "
                 "not shared: a %s cannot be rebuilt there", type(store).__name__)
        return False
    if described.get("token") and described["token"] == os.environ.get("PT2CACHE_TOKEN"):
        del described["token"]  # the workers inherit it where the client found it
    described.update(descriptor=descriptor, timeout=timeout, cooldown=cooldown)
    _sweep()
    named = "held-" if fcntl is not None else "%d-" % os.getpid()
    handle, path = tempfile.mkstemp(prefix=PREFIX + named, suffix=".json")
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX)  # held until this process closes it, or ends
    with os.fdopen(os.dup(handle), "w") as f:  # mode 0600
        json.dump(described, f)
    if fcntl is None:
        os.close(handle)
    forget()
    os.environ[ENV] = path
    _created[path] = os.getpid()
    if fcntl is not None:
        _locks[path] = handle
    atexit.register(_remove_at_exit, path, os.getpid())
    if HOOK not in sys.path:
        sys.path.insert(0, HOOK)
    return True


def forget() -> None:
    """Compile workers started from now on use no store (their autotune cache stays local). A
    description this process inherited is its parent's: it is left in place."""
    path = os.environ.pop(ENV, None)
    if path and _created.get(path) == os.getpid():
        _remove(path)
        _unlock(path)


def _sweep() -> None:
    """Removes the descriptions of processes that are gone: one killed by a signal runs no exit
    hook, and its file, token included, would stay in the temporary directory."""
    directory = tempfile.gettempdir()
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        path = os.path.join(directory, name)
        if _HELD.match(name):
            if _abandoned(path):
                _remove(path)
            continue
        match = _FILE.match(name)
        if match and not _alive(int(match.group(1))):
            _remove(path)


def _abandoned(path: str) -> bool:
    """Whether no process holds the description's lock any longer: its writer is gone, in
    whatever container it ran."""
    if fcntl is None:
        return False  # written by a process that could lock it; this one cannot tell
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if time.time() - os.fstat(handle).st_mtime < FRESH_SECONDS:
            return False
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:  # held: its writer lives
        return False
    finally:
        os.close(handle)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive, and its file is not ours to remove
        return True
    return True


def _remove_at_exit(path: str, exporter: int) -> None:
    # a child forked from the exporting process inherits this hook; its exit must not take the
    # description from the workers its parent starts later
    if os.getpid() == exporter:
        _remove(path)
        _unlock(path)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _unlock(path: str) -> None:
    handle = _locks.pop(path, None)
    if handle is not None:
        os.close(handle)


def _close_parents_locks() -> None:
    """A forked child closes its copies of its parent's locked descriptors: the lock is the
    parent's to hold (it stays held while the parent's own descriptor is open)."""
    for handle in _locks.values():
        try:
            os.close(handle)
        except OSError:
            pass
    _locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_parents_locks)


def activate(path: str) -> Dict[str, str]:
    """In a compile worker: routes the autotune caches to the store the file at ``path``
    describes."""
    from .remote import install

    with open(path) as f:
        described = json.load(f)
    return install(_store(described), fx_graph=False, aot_autograd=False, autotune=True,
                   timeout=described["timeout"], cooldown=described["cooldown"],
                   descriptor=described.get("descriptor"), workers=False, warn=False)


def _store(described: Dict[str, Any]) -> Any:
    if described["store"] == "service":
        from .client import CacheClient

        return CacheClient(described["url"], described["namespace"], token=described.get("token"))
    from .directory import DirectoryEntries

    return DirectoryEntries(described["root"])
