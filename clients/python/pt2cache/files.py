"""Files written whole or not at all."""

import errno
import os
import socket
from typing import Optional


def publish(temporary: str, destination: str) -> None:
    """Renames a finished temporary file (flushed and synced by its writer) into place, readable as
    any file this process would create: mkstemp alone gives 0600, and another user (a server's
    worker) may read the destination."""
    os.chmod(temporary, 0o666 & ~_umask())
    os.replace(temporary, destination)


def publish_new(temporary: str, destination: str) -> bool:
    """``publish``, unless the destination exists: then the temporary file is removed and the
    answer is False. Linked into place, so that of two processes publishing at once, one wins
    and the other sees it (a rename would let the second replace the first). Where the file
    system has no hard links, a rename, checked first."""
    os.chmod(temporary, 0o666 & ~_umask())
    try:
        os.link(temporary, destination)
    except FileExistsError:
        os.unlink(temporary)
        return False
    except OSError:
        if os.path.exists(destination):
            os.unlink(temporary)
            return False
        os.replace(temporary, destination)
        return True
    os.unlink(temporary)
    return True


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux): setting it
    to read it, the portable way, would leave files that other threads create meanwhile
    unprotected. Elsewhere, the umask read the portable way when this module was imported, before
    a compile's threads."""
    return _umask_from_proc() if _UMASK_AT_IMPORT is None else _UMASK_AT_IMPORT


def _umask_from_proc() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    raise ValueError("no Umask line")


def _umask_at_import() -> Optional[int]:
    """None where /proc says it (read afresh each time); else the umask, the portable way."""
    try:
        _umask_from_proc()
        return None
    except (OSError, ValueError, IndexError):
        umask = os.umask(0o022)
        os.umask(umask)
        return umask


_UMASK_AT_IMPORT = _umask_at_import()


# a local file system that refuses a write (a directory store, such as a mirror carried read-only
# to an air-gapped node; a cache volume or temporary directory that filled up): no service is down
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR,
                errno.EISDIR, errno.EFBIG, errno.ENOENT}


def disk_refused(e: BaseException) -> bool:
    """Whether a write failed on a local disk (a file raised it), not on a network."""
    return (isinstance(e, OSError)
            and not isinstance(e, (ConnectionError, TimeoutError, socket.gaierror))
            and e.errno in _DISK_ERRNOS)
