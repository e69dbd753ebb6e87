"""Warm starts on a real GPU with the service running beside them, for docs/warm-start-proof.md.

Unlike gpu_proof.py, nothing travels as files: each subcommand is a fresh process (the caller gives
it an empty TORCHINDUCTOR_CACHE_DIR) that talks to a live service over HTTP through the client,
as a serving node does (PT2CACHE_URL, PT2CACHE_NAMESPACE, PT2CACHE_TOKEN):

  mega            pt2cache.warm_start on timm's resnet50 (fp16, batch 8, 224x224; --model resnet18,
                  --mode for torch.compile's): a miss compiles and uploads the Mega-Cache, a hit
                  downloads and loads it before compiling
  entries         PyTorch's remote caches on the service's entries (install_remote_caches), the
                  same model, no Mega-Cache
  partial VARIANT the two-graph function of partial_recompile.py on the service's entries

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


def compile_kwargs(args) -> dict:
    return {"mode": args.mode} if args.mode else {}


def model_name(args) -> tuple:
    return ("%s-timm-fp16-b8" % args.model, "1")


def mega(result: dict, client, args) -> None:
    model = node.network(args.model)
    x = node.batch()
    t = time.perf_counter()
    name, version = model_name(args)
    warm = pt2cache.warm_start(model, client, model_name=name, model_version=version,
                               **compile_kwargs(args))
    result["lookup_and_load_s"] = round(time.perf_counter() - t, 2)
    result["hit"] = warm.hit
    result["first_call_s"] = node.first_call(warm, x)
    result["max_abs_diff_vs_eager"] = node.max_abs_diff(model, warm, x)
    result["graphs_compiled_anyway"] = warm.graphs_compiled_anyway
    uploaded = warm.wait_for_upload(60)
    if uploaded:
        result["uploaded"] = {k: uploaded.get(k) for k in ("id", "sizeBytes", "sha256", "key")}


def entries(result: dict, client, args) -> None:
    model = node.network(args.model)
    x = node.batch()
    descriptor = pt2cache.describe(*model_name(args), **compile_kwargs(args))
    result["routed"] = pt2cache.install_remote_caches(client, descriptor=descriptor)
    compiled = torch.compile(model, **compile_kwargs(args))
    result["first_call_s"] = node.first_call(compiled, x)
    result["max_abs_diff_vs_eager"] = node.max_abs_diff(model, compiled, x)


def partial(result: dict, client, variant: str) -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from partial_recompile import model

    pt2cache.install_remote_caches(client)
    compiled = torch.compile(model(variant))
    x = torch.randn(256, 256, device="cuda")
    result["first_call_s"] = node.first_call(compiled, x)
    result["graphs_compiled_by_dynamo"] = torch._dynamo.utils.counters["stats"]["unique_graphs"]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["mega", "entries", "partial"])
    p.add_argument("variant", nargs="?", choices=["original", "changed"])
    p.add_argument("--model", default="resnet50", help="a timm (or torchvision) model name")
    p.add_argument("--mode", help="torch.compile's mode, e.g. max-autotune-no-cudagraphs")
    args = p.parse_args()
    client = pt2cache.CacheClient()  # PT2CACHE_URL, PT2CACHE_NAMESPACE, PT2CACHE_TOKEN
    result = {"run": " ".join(filter(None, [args.command, args.variant, args.model, args.mode])),
              "import_torch_s": round(node.imported, 2)}
    if args.command == "mega":
        mega(result, client, args)
    elif args.command == "entries":
        entries(result, client, args)
    else:
        partial(result, client, args.variant)
    result["counters"] = node.counters()
    result.update(node.device())
    result["process_s"] = round(time.perf_counter() - node.started, 2)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
