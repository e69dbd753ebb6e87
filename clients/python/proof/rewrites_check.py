"""Which process first stored the autotune entries that PyTorch writes again under one key:
this one, or one of its compile workers? One node, max-autotune, on a directory store.

Each write that this process makes is recorded with its bytes' digest; a write whose key holds
other bytes already is a rewrite, and it says whether this process had written that key before
(the compile workers build their own store from the description install_remote_caches leaves
them, so their writes are the entries on disk that this process never wrote).

  python rewrites_check.py [STORE]   # prints one JSON line
"""

import collections
import hashlib
import json
import os
import sys
import tempfile
import time

import torch

import pt2cache
from pt2cache.directory import DirectoryEntries

written = {}  # (kind, key) -> digest of the first bytes this process wrote
events = collections.Counter()


class Recorded(DirectoryEntries):
    def put_entry(self, kind, key, data, **kw):
        digest = hashlib.sha256(bytes(data)).hexdigest()
        path = self._path(kind, key)
        if os.path.exists(path):
            with open(path, "rb") as f:
                same = hashlib.sha256(f.read()).hexdigest() == digest
            if same:
                events["%s same bytes again" % kind] += 1
            elif (kind, key) in written:
                events["%s rewrite of a key this process wrote" % kind] += 1
            else:
                events["%s other bytes, key written elsewhere (a compile worker)" % kind] += 1
        else:
            events["%s new" % kind] += 1
        written.setdefault((kind, key), digest)
        return super().put_entry(kind, key, data, **kw)


store = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="pt2cache-store-")
pt2cache.install_remote_caches(Recorded(store), fx_graph=False, aot_autograd=False)
x = torch.randn(2048, 4096, device="cuda")
started = time.perf_counter()
for i in range(16):
    scope = {"torch": torch}
    exec("def f(x): return (x * %d).sin().softmax(-1) + x.amax(-1, keepdim=True) * %d"
         % (i + 1, i), scope)
    torch.compile(scope["f"], mode="max-autotune-no-cudagraphs")(x)
torch.cuda.synchronize()
on_disk = collections.Counter(k for k in os.listdir(store) if os.path.isdir(os.path.join(store, k))
                              for _ in os.listdir(os.path.join(store, k)))
print(json.dumps({"seconds": round(time.perf_counter() - started, 1),
                  "this_process": dict(sorted(events.items())),
                  "files_on_disk": dict(on_disk),
                  "inductor": {k: v for k, v in sorted(torch._dynamo.utils.counters["inductor"].items())
                               if "autotune" in k or "coordesc" in k}}))
