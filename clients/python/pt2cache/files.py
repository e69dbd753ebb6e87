"""Files written whole or not at all."""

import os


def publish(temporary: str, destination: str) -> None:
    """Renames a finished temporary file (flushed and synced by its writer) into place, readable as
    any file this process would create: mkstemp alone gives 0600, and another user (a server's
    worker) may read the destination."""
    os.chmod(temporary, 0o666 & ~_umask())
    os.replace(temporary, destination)


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux): setting it
    to read it, the portable way, would leave files that other threads create meanwhile
    unprotected. Elsewhere, the umask read the portable way when this module was imported, before
    a compile's threads."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return _UMASK_AT_IMPORT


def _umask_the_portable_way() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK_AT_IMPORT = _umask_the_portable_way()
