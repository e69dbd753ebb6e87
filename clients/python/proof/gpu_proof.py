"""Warm starts on a real GPU, for docs/warm-start-proof.md.

Each subcommand is one fresh process with its own empty TORCHINDUCTOR_CACHE_DIR (the caller sets
it), compiling timm's resnet50 (fp16, batch 8, 224x224, default mode) and timing the first
compiled call:

  cold         compile from nothing; save the Mega-Cache blob and this process's descriptor
  record       compile from nothing with PyTorch's remote caches routed, through the real
               adapter (pt2cache.install_remote_caches), to a directory that records the entries
  warm-mega    load a Mega-Cache blob (downloaded through the service) before compiling
  warm-remote  PyTorch's remote caches on a directory of entries pulled from the service

The GPU machine cannot reach the service, so blobs and entries travel there and back as files.
Prints one JSON line per run.
"""

import argparse
import json
import os
import sys
import time

import resnet_node as node  # first: it times torch's import
from resnet_node import torch

import pt2cache
from pt2cache.directory import DirectoryEntries


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["cold", "record", "warm-mega", "warm-remote"])
    p.add_argument("--out", help="where cold writes the blob and the descriptor")
    p.add_argument("--blob", help="the Mega-Cache blob for warm-mega")
    p.add_argument("--entries", help="the entries directory for record and warm-remote")
    args = p.parse_args()

    result = {"run": args.command, "cache_dir": os.environ.get("TORCHINDUCTOR_CACHE_DIR"),
              "import_torch_s": round(node.imported, 2)}
    if args.command == "warm-mega":
        t = time.perf_counter()
        with open(args.blob, "rb") as f:
            info = torch.compiler.load_cache_artifacts(f.read())
        result["load_blob_s"] = round(time.perf_counter() - t, 2)
        result["loaded"] = str(info)[:200]
    if args.command in ("record", "warm-remote"):
        result["routed"] = pt2cache.install_remote_caches(DirectoryEntries(args.entries))

    model = node.network("resnet50")
    result["model"] = node.network_source("resnet50")
    x = node.batch()
    compiled = torch.compile(model)
    result["first_call_s"] = node.first_call(compiled, x)
    result["max_abs_diff_vs_eager"] = node.max_abs_diff(model, compiled, x)
    counters = node.counters()
    result["counters"] = counters["inductor"]
    result["aot_autograd"] = counters["aot_autograd"]
    result.update(node.device())

    if args.command == "cold":
        os.makedirs(args.out, exist_ok=True)
        data, _ = torch.compiler.save_cache_artifacts()
        with open(os.path.join(args.out, "mega-cache.bin"), "wb") as f:
            f.write(data)
        descriptor = pt2cache.describe("resnet50-timm-fp16-b8", "1")
        with open(os.path.join(args.out, "descriptor.json"), "w") as f:
            json.dump(descriptor, f, indent=2)
        result["blob_bytes"] = len(data)
        result["key"] = pt2cache.derive_key("mega-cache", descriptor)
    if args.command == "record":
        result["recorded_entries"] = sum(1 for _ in DirectoryEntries(args.entries).entries())
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
