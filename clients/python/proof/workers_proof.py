"""Autotune results of kernels that Inductor builds in its compile workers, shared through the
store (``pt2cache.workers``), on a real torch and GPU.

Two nodes one after the other, each a fresh process with its own empty local cache, on one store
(a directory, as the service's entries face behaves: the first writer's bytes stay). FX graph and
AOTAutograd remote caches are off, so the second node compiles every graph again and only the
per-kernel autotune cache can spare it the tuning. Run with the compile workers routed (the
default) and without (``workers=False``, as before), with Inductor's default compile threads.

  python workers_proof.py              # both modes; prints one JSON line per node
  python workers_proof.py not-routed   # one mode
"""

import json
import os
import subprocess
import sys
import tempfile

NODE = r'''
import collections, json, os, sys, time
import torch
import pt2cache
from pt2cache.directory import DirectoryEntries

events = collections.Counter()

class Counted(DirectoryEntries):
    def get_entry(self, kind, key, **kw):
        data = super().get_entry(kind, key, **kw)
        events["get %s %s" % (kind, "hit" if data is not None else "miss")] += 1
        return data

    def put_entry(self, kind, key, data, **kw):
        events["put %s %s" % (kind, "kept-first" if self.has_entry(kind, key) else "new")] += 1
        return super().put_entry(kind, key, data, **kw)

store, workers = sys.argv[1], sys.argv[2] == "routed"
pt2cache.install_remote_caches(Counted(store), fx_graph=False, aot_autograd=False,
                               workers=workers)
x = torch.randn(2048, 4096, device="cuda")
started = time.perf_counter()
for i in range(16):
    scope = {"torch": torch}
    exec("def f(x): return (x * %d).sin().softmax(-1) + x.amax(-1, keepdim=True) * %d"
         % (i + 1, i), scope)
    torch.compile(scope["f"], mode="max-autotune-no-cudagraphs")(x)
torch.cuda.synchronize()
inductor = torch._dynamo.utils.counters["inductor"]
print(json.dumps({"workers": sys.argv[2], "node": sys.argv[3],
                  "compile_threads": torch._inductor.config.compile_threads,
                  "seconds": round(time.perf_counter() - started, 1),
                  "store_events": dict(sorted(events.items())),
                  "inductor": {k: v for k, v in sorted(inductor.items())
                               if "autotune" in k or "coordesc" in k or "benchmark" in k}}))
'''


def main() -> None:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for mode in sys.argv[1:] or ("routed", "not-routed"):
        store = tempfile.mkdtemp(prefix="pt2cache-store-")
        for node in ("first", "second"):
            env = dict(os.environ, PYTHONPATH=here,
                       TORCHINDUCTOR_CACHE_DIR=tempfile.mkdtemp(prefix="inductor-"))
            env.pop("TORCHINDUCTOR_COMPILE_THREADS", None)
            done = subprocess.run([sys.executable, "-c", NODE, store, mode, node], env=env,
                                  capture_output=True, text=True, timeout=280)
            lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
            print(lines[-1] if lines else json.dumps(
                {"workers": mode, "node": node, "failed": done.returncode,
                 "stderr": done.stderr[-3000:]}), flush=True)


if __name__ == "__main__":
    main()
