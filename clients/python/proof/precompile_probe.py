"""Does Dynamo's caching precompile, carried in the Mega-Cache, shorten a warm start?

PyTorch's ``torch._dynamo.config.caching_precompile`` ("experimental") records Dynamo's own output
(bytecode, guards, compiled backends) as ``precompile`` artifacts, which
``torch.compiler.save_cache_artifacts()`` carries beside Inductor's: a Mega-Cache blob that, loaded
on a fresh node, might also spare it Dynamo's tracing. Each subcommand is one fresh process with
its own empty TORCHINDUCTOR_CACHE_DIR (the caller sets it), compiling timm's resnet50 (fp16, batch
8, 224x224, default mode; ``--model``, ``--mode`` for others) as gpu_proof.py does:

  cold   compile from nothing; save the Mega-Cache blob to --blob
  warm   load the blob at --blob before compiling

``--precompile`` turns the setting on in that process. ``--then-batch N`` then calls the compiled
model on a batch of N images, which needs a graph the blob does not hold (a recompile), and once
more; ``--suppress-errors`` (Dynamo's ``suppress_errors``) and ``--reset-on-error``
(``torch._dynamo.reset()`` after a failed call) try what a node could do when that call fails.
Prints one JSON line per run.
"""

import argparse
import json
import time
import traceback

import resnet_node as node  # first: it times torch's import
from resnet_node import torch


def artifact_counts(info) -> dict:
    """How many artifacts of each type a CacheInfo names (its lists), else its text."""
    if info is None:
        return {"info": None}
    lists = {k: len(v) for k, v in vars(info).items() if isinstance(v, (list, tuple))}
    artifacts = getattr(info, "artifacts", None)
    if isinstance(artifacts, dict):
        lists.update({str(k): len(v) for k, v in artifacts.items()})
    return lists or {"info": str(info)[:300]}


def cache_counters() -> dict:
    """Every counter of torch's whose name speaks of a cache or of precompile, by group."""
    out = {}
    for group, values in torch._dynamo.utils.counters.items():
        kept = {k: v for k, v in dict(values).items() if "cache" in str(k) or "precompile" in str(k)}
        if kept:
            out[group] = kept
    return out


def call_outcome(compiled, x) -> dict:
    """The call's seconds, or the exception it raised (its type, its message's start, and the
    innermost frame of its traceback)."""
    t = time.perf_counter()
    try:
        node.first_call(compiled, x)
        return {"s": round(time.perf_counter() - t, 2)}
    except Exception as e:  # what the node would have met
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return {"s": round(time.perf_counter() - t, 2), "error": type(e).__name__,
                "message": str(e)[:200], "raised_at": "%s:%s %s" % (
                    tb.filename.split("site-packages/")[-1], tb.lineno, tb.line)}


def then_batch(compiled, model, args) -> dict:
    """A batch of another size after the blob's graph, twice; with --reset-on-error, Dynamo reset
    after a failed first call."""
    x = torch.randn(args.then_batch, 3, 224, 224, device="cuda", dtype=torch.half)
    out = {"batch": args.then_batch, "first": call_outcome(compiled, x)}
    if "error" in out["first"] and args.reset_on_error:
        torch._dynamo.reset()
        out["reset"] = True
    out["again"] = call_outcome(compiled, x)
    if "error" not in out["again"]:
        out["max_abs_diff_vs_eager"] = node.max_abs_diff(model, compiled, x)
    out["back_to_8"] = call_outcome(compiled, node.batch())
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["cold", "warm"])
    p.add_argument("--blob", required=True)
    p.add_argument("--precompile", action="store_true")
    p.add_argument("--model", default="resnet50", help="a timm (or torchvision) model name")
    p.add_argument("--mode", help="torch.compile's mode, e.g. max-autotune-no-cudagraphs")
    p.add_argument("--then-batch", type=int, help="then a batch of this many images, twice")
    p.add_argument("--suppress-errors", action="store_true",
                   help="torch._dynamo.config.suppress_errors in this process")
    p.add_argument("--reset-on-error", action="store_true",
                   help="torch._dynamo.reset() after a failed --then-batch call")
    args = p.parse_args()

    torch._dynamo.config.caching_precompile = args.precompile
    torch._dynamo.config.suppress_errors = args.suppress_errors
    result = {"run": args.command, "precompile": args.precompile, "mode": args.mode,
              "suppress_errors": args.suppress_errors, "reset_on_error": args.reset_on_error,
              "import_torch_s": round(node.imported, 2), **node.device()}
    if args.command == "warm":
        t = time.perf_counter()
        with open(args.blob, "rb") as f:
            info = torch.compiler.load_cache_artifacts(f.read())
        result["load_blob_s"] = round(time.perf_counter() - t, 2)
        result["loaded"] = artifact_counts(info)

    model = node.network(args.model)
    result["model"] = node.network_source(args.model)
    compiled = torch.compile(model, **({"mode": args.mode} if args.mode else {}))
    x = node.batch()
    result["first_call_s"] = node.first_call(compiled, x)
    result["second_call_s"] = node.first_call(compiled, x)
    result["max_abs_diff_vs_eager"] = node.max_abs_diff(model, compiled, x)
    if args.then_batch:
        result["then_batch"] = then_batch(compiled, model, args)
    result["counters"] = cache_counters()

    if args.command == "cold":
        t = time.perf_counter()
        saved = torch.compiler.save_cache_artifacts()
        result["save_blob_s"] = round(time.perf_counter() - t, 2)
        if saved is None:
            result["saved"] = None
        else:
            blob, info = saved
            with open(args.blob, "wb") as f:
                f.write(blob)
            result["saved"] = {"bytes": len(blob), **artifact_counts(info)}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
