"""Files written whole or not at all."""

import os


def publish(temporary: str, destination: str) -> None:
    """Renames a finished temporary file (flushed and synced by its writer) into place, readable as
    any file this process would create: mkstemp alone gives 0600, and another user (a server's
    worker) may read the destination."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    os.replace(temporary, destination)
