"""Entries kept as files (``<root>/<kind>/<key>``): the same interface as the service's entries,
for nodes that cannot reach the service (a mirror carried to an air-gapped machine) and for
recording what PyTorch's remote caches put."""

import os
import tempfile
from typing import Any, Dict, Iterator, Optional, Tuple

from .remote import service_key


class DirectoryEntries:
    def __init__(self, root: str) -> None:
        self.root = root

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, kind, service_key(key))

    def get_entry(self, kind: str, key: str, timeout: Optional[float] = None,
                  retries: Optional[int] = None) -> Optional[bytes]:
        try:
            with open(self._path(kind, key), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def put_entry(self, kind: str, key: str, data: bytes, timeout: Optional[float] = None,
                  retries: Optional[int] = None, descriptor: Optional[Dict[str, Any]] = None) -> Any:
        path = self._path(kind, key)
        if os.path.exists(path):
            return None  # first writer wins, as on the service
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
        return None

    def entries(self) -> Iterator[Tuple[str, str]]:
        """Every (kind, key) held."""
        if not os.path.isdir(self.root):
            return
        for kind in sorted(os.listdir(self.root)):
            directory = os.path.join(self.root, kind)
            if os.path.isdir(directory):
                for key in sorted(os.listdir(directory)):
                    if not key.startswith("tmp"):
                        yield kind, key
