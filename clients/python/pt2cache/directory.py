"""Entries kept as files (``<root>/<kind>/<key>``): the same interface as the service's entries,
for nodes that cannot reach the service (a mirror carried to an air-gapped machine) and for
recording what PyTorch's remote caches put. An entry's descriptor, when it has one, is kept beside
it in ``<root>/.descriptors/<kind>/<key>.json``, so that seeding a service from the directory keeps
what invalidations by model, torch or GPU match."""

import errno
import json
import logging
import os
import re
import tempfile
import time
from typing import Any, Dict, Iterator, Optional, Set, Tuple

from .files import publish, publish_new
from .remote import service_key

log = logging.getLogger("pt2cache")

DESCRIPTORS = ".descriptors"
# the temporary files of writes and downloads in flight: hidden (no key starts with a dot)
TEMPORARY = ".pt2cache-"
# a temporary file older than this was left by a process killed mid-write (a download of the
# largest entry takes minutes): removed by the next writer of its directory
STALE_SECONDS = 24 * 3600
# the temporary names of clients before 2026-12-05 (mkstemp's own): never listed as entries
_LEGACY_TEMPORARY = re.compile(r"tmp[a-z0-9_]{8}")


class DirectoryEntries:
    def __init__(self, root: str) -> None:
        self.root = root
        self._swept: Set[str] = set()

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, kind, service_key(key))

    def _descriptor_path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, DESCRIPTORS, kind, service_key(key) + ".json")

    def get_entry(self, kind: str, key: str, timeout: Optional[float] = None,
                  retries: Optional[int] = None,
                  deadline: Optional[float] = None) -> Optional[bytes]:
        """The bytes under the key; None when there are none, or they cannot be read (a file left
        unreadable is a miss, as on the service, not a failure of the compile that asked)."""
        try:
            return self.read_entry(kind, key)
        except FileNotFoundError:
            return None
        except OSError as e:
            _unreadable(kind, key, e)
            return None

    def read_entry(self, kind: str, key: str) -> bytes:
        """The bytes under the key; raises ``OSError`` (``FileNotFoundError`` when there are
        none), for a caller that must tell a missing entry from an unreadable one."""
        with open(self._path(kind, key), "rb") as f:
            return f.read()

    def has_entry(self, kind: str, key: str) -> bool:
        return os.path.exists(self._path(kind, key))

    def descriptor(self, kind: str, key: str) -> Optional[Dict[str, Any]]:
        """The descriptor the entry was stored with; None when it was stored without one.

        Raises ``ValueError`` when the file is there but cannot be read as a JSON object: sending
        the entry without it would put it out of reach of invalidations by model or torch.
        """
        path = self._descriptor_path(kind, key)
        try:
            with open(path, "rb") as f:
                descriptor = json.loads(f.read())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise ValueError("unreadable descriptor %s: %s" % (path, e)) from e
        if not isinstance(descriptor, dict):
            raise ValueError("unreadable descriptor %s: not a JSON object" % path)
        return descriptor

    def put_entry(self, kind: str, key: str, data: bytes, timeout: Optional[float] = None,
                  retries: Optional[int] = None, descriptor: Optional[Dict[str, Any]] = None,
                  deadline: Optional[float] = None) -> Any:
        path = self._path(kind, key)
        if os.path.exists(path):
            return None  # first writer wins, as on the service
        # first writer wins among processes too (ranks of one node writing the same key): the
        # entry is linked into place, which fails where one is there already, and only its
        # writer then writes the descriptor. (Deciding by the descriptor instead let a write that
        # failed between the two files keep the key from every later write.)
        self._sweep(os.path.dirname(path))
        if _write_atomically(path, bytes(data)):
            self._put_descriptor(kind, key, descriptor)
        return None

    def _sweep(self, directory: str) -> None:
        """Removes, once per directory and store, the temporary files of writers killed
        mid-write (SIGKILL, an OOM kill, a node's power) once a day old: each held up to a whole
        entry, and nothing else would ever remove it."""
        if directory in self._swept:
            return
        self._swept.add(directory)
        try:
            names = [n for n in os.listdir(directory) if n.startswith(TEMPORARY)]
        except OSError:
            return  # not there yet, or unreadable: the write says why
        for name in names:
            path = os.path.join(directory, name)
            try:
                if time.time() - os.stat(path).st_mtime > STALE_SECONDS:
                    os.unlink(path)
            except OSError:
                pass  # gone meanwhile, or not ours to remove

    def incoming_path(self, kind: str) -> str:
        """A new file's name for a download that ``adopt_entry`` is to take: in the kind's
        directory (the same file system, so that adopting it is a link, not a copy) and hidden,
        so that ``entries()`` never lists it if the download is killed."""
        directory = os.path.join(self.root, kind)
        os.makedirs(directory, exist_ok=True)
        self._sweep(directory)
        fd, path = tempfile.mkstemp(prefix=TEMPORARY + "incoming-", dir=directory)
        os.close(fd)
        return path

    def adopt_entry(self, kind: str, key: str, path: str,
                    descriptor: Optional[Dict[str, Any]] = None) -> bool:
        """Moves a finished file (written whole and synced, as ``CacheClient.download_entry``
        writes one to ``incoming_path``) into place as the entry, with its descriptor, as
        ``put_entry`` would, for an entry too large to hold in memory. First writer wins: where
        the key holds an entry already, the file is removed and the answer is False."""
        destination = self._path(kind, key)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        if not publish_new(path, destination):
            return False
        self._put_descriptor(kind, key, descriptor)
        return True

    def _put_descriptor(self, kind: str, key: str, descriptor: Optional[Dict[str, Any]]) -> None:
        """Written by the entry's own writer only, once the entry is in place."""
        if descriptor is not None:
            self._sweep(os.path.dirname(self._descriptor_path(kind, key)))
            _write_atomically(self._descriptor_path(kind, key),
                              json.dumps(descriptor, sort_keys=True).encode(), replace=True)

    def entries(self) -> Iterator[Tuple[str, str]]:
        """Every (kind, key) held. Temporary files are not: a hidden name (``.pt2cache-*``, left
        by a process that was killed; no key starts with a dot) nor one that an earlier client's
        write left (``tmp`` and 8 of mkstemp's characters). Before 2026-12-05 every name that
        began with ``tmp`` was skipped: a key such as ``tmp-kernel-1`` was never seeded."""
        if not os.path.isdir(self.root):
            return
        for kind in sorted(os.listdir(self.root)):
            directory = os.path.join(self.root, kind)
            if not kind.startswith(".") and os.path.isdir(directory):
                for key in sorted(os.listdir(directory)):
                    if not key.startswith(".") and not _LEGACY_TEMPORARY.fullmatch(key):
                        yield kind, key


# the causes of unreadable entries said as a warning already: a root that is a file or a directory
# without read permission fails every read alike, and a compile reads dozens
_UNREADABLE_WARNED: Set[str] = set()


def _unreadable(kind: str, key: str, e: OSError) -> None:
    """A read that failed for another reason than a missing entry: a miss, said as a warning once
    per cause (``errno``'s name), later ones at INFO. Before, each read warned: a directory store
    whose root could not be read logged a warning for every entry a compile asked for."""
    cause = errno.errorcode.get(e.errno, str(e.errno)) if e.errno is not None else type(e).__name__
    if cause not in _UNREADABLE_WARNED:
        _UNREADABLE_WARNED.add(cause)
        log.warning("pt2cache: entry %s/%s unreadable, taken as a miss (%s; later ones at INFO): "
                    "%s", kind, key, cause, e)
    else:
        log.info("pt2cache: entry %s/%s unreadable, taken as a miss: %s", kind, key, e)


def _write_atomically(path: str, data: bytes, replace: bool = False) -> bool:
    """Written whole or not at all, and durable before it appears; never over a file already
    there (False then), unless ``replace``."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=TEMPORARY + "entry-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            publish(temporary, path)
            return True
        return publish_new(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
