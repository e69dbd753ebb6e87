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
  varying HOW     a serving node whose batch size changes (8, then 4, 16, 2 images): HOW is
                  "mega" (warm_start alone), "entries" (PyTorch's remote caches alone) or "both";
                  --pgo adds PyTorch's profile-guided dynamic shapes cache, --job-id sets
                  torch.compiler.config.job_id (PGO keys its profiles by it), --mark-dynamic
                  marks each input's batch dimension dynamic
  lm              pt2cache.warm_start on lm_node.py's decoder-only transformer (GPT-2-small's shape,
                  bf16), prompts of 128, 256, 77 and 512 tokens in turn (the second length makes
                  PyTorch compile again with the length dynamic; the upload waits for it,
                  --upload-after 2 by default here); --mode reduce-overhead adds CUDA graphs,
                  --cudagraphs-for-the-process turns them on process-wide (which a precompiled
                  graph reads)

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
                               precompile=args.precompile, **compile_kwargs(args))
    result["lookup_and_load_s"] = round(time.perf_counter() - t, 2)
    result["hit"] = warm.hit
    result["first_call_s"] = node.first_call(warm, x)
    result["max_abs_diff_vs_eager"] = node.max_abs_diff(model, warm, x)
    result["graphs_compiled_anyway"] = warm.graphs_compiled_anyway
    uploaded = warm.wait_for_upload(60)
    if uploaded:
        result["uploaded"] = {k: uploaded.get(k) for k in ("id", "sizeBytes", "sha256", "key")}
    result["steady_ms"] = steady_ms(warm, x)  # once no upload runs beside the calls


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


SIZES = (8, 4, 16, 2)


def compile_configs() -> dict:
    """Inductor's and functorch's configs as PyTorch saves them for its caches, flattened."""
    import importlib

    flat = {}
    for name in ("torch._inductor.config", "torch._functorch.config"):
        saved = importlib.import_module(name).save_config_portable(ignore_private_configs=False)
        flat.update((name + "." + key, repr(value)) for key, value in saved.items())
    return flat


def steady_ms(compiled, x, calls: int = 50) -> float:
    """The median time of one call once compiled, in milliseconds."""
    times = []
    with torch.no_grad():
        for _ in range(calls):
            torch.cuda.synchronize()
            t = time.perf_counter()
            compiled(x)
            torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
    return round(sorted(times)[calls // 2] * 1000, 2)


def varying(result: dict, client, args) -> None:
    """PyTorch compiles the first batch size as it is and, when a second size comes, compiles the
    graph again with the batch dynamic (automatic dynamic); later sizes reuse that graph. Each
    call's time is what a request of that size waited."""
    if args.job_id:
        torch.compiler.config.job_id = args.job_id
    model = node.network(args.model)
    name, version = model_name(args)
    if args.variant in ("entries", "both"):
        descriptor = pt2cache.describe(name, version, **compile_kwargs(args))
        before = compile_configs()
        result["routed"] = pt2cache.install_remote_caches(client, descriptor=descriptor,
                                                          pgo=args.pgo)
        after = compile_configs()
        # what install switched on that a Mega-Cache's descriptor (process settings) reads
        result["settings_changed_by_install"] = sorted(
            k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if args.variant in ("mega", "both"):
        compiled = pt2cache.warm_start(model, client, model_name=name, model_version=version,
                                       upload_after_calls=args.upload_after or 1,
                                       precompile=args.precompile, **compile_kwargs(args))
    else:
        compiled = torch.compile(model, **compile_kwargs(args))
    calls = []
    for size in SIZES:
        x = torch.randn(size, 3, 224, 224, device="cuda", dtype=torch.half)
        if args.mark_dynamic:  # the batch dimension varies: compiled so from the first call
            torch._dynamo.mark_dynamic(x, 0)
        calls.append({"batch": size, "s": node.first_call(compiled, x),
                      "graphs": torch._dynamo.utils.counters["stats"]["unique_graphs"]})
    result["calls"] = calls
    uploaded = compiled.wait_for_upload(60) if args.variant in ("mega", "both") else None
    for size in (8, 4):  # once no upload runs beside the calls
        x = torch.randn(size, 3, 224, 224, device="cuda", dtype=torch.half)
        result["steady_ms_b%d" % size] = steady_ms(compiled, x)
    result["max_abs_diff_vs_eager"] = node.max_abs_diff(model, compiled, x)
    result["graphs_compiled_by_dynamo"] = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    try:
        from torch._dynamo import pgo

        result["pgo_cache_key"] = pgo.get_cache_key()
    except Exception as e:  # a release without it
        result["pgo_cache_key"] = "unknown: %s" % e
    if args.variant in ("mega", "both"):
        result["hit"] = compiled.hit
        result["dynamo_failures_retried"] = compiled.dynamo_failures_retried
        if uploaded:
            result["uploaded"] = {k: uploaded.get(k) for k in ("id", "sizeBytes")}


LENGTHS = (128, 256, 77, 512)


def lm(result: dict, client, args) -> None:
    """A language-model server's prefill: each call's time is what a batch of prompts of that
    length waited, compilation included."""
    import lm_node

    model = lm_node.network()
    if args.cudagraphs_for_the_process:  # what a precompiled graph reads (ADR 0055, 2026-12-08)
        # bound to a name of its own: "import torch._inductor.config" would make torch a local
        # name of this function, unbound below wherever the option is not given
        import torch._inductor.config as inductor_config

        inductor_config.triton.cudagraphs = True
    t = time.perf_counter()
    compiled = pt2cache.warm_start(model, client, model_name="gpt2-small-shape-bf16",
                                   model_version="1", upload_after_calls=args.upload_after or 2,
                                   precompile=args.precompile, **compile_kwargs(args))
    result["lookup_and_load_s"] = round(time.perf_counter() - t, 2)
    result["hit"] = compiled.hit
    calls = []
    for length in LENGTHS:
        seconds, logits = node.timed_call(compiled, lm_node.prompts(length))
        # the sum of this call's own output (which kernels served it: a node whose sums differ
        # ran others); a second call would count towards upload_after_calls and start the upload
        # before the second length's graph was compiled
        calls.append({"tokens": length, "s": seconds, "logits_sum": float(logits.double().sum()),
                      "graphs": torch._dynamo.utils.counters["stats"]["unique_graphs"]})
    result["calls"] = calls
    result["first_calls_s"] = round(sum(c["s"] for c in calls), 2)
    result["graphs_compiled_anyway"] = compiled.graphs_compiled_anyway
    result["dynamo_failures_retried"] = compiled.dynamo_failures_retried
    uploaded = compiled.wait_for_upload(120)
    if uploaded:
        result["uploaded"] = {k: uploaded.get(k) for k in ("id", "sizeBytes", "key")}
    ids = lm_node.prompts(128)
    result["steady_ms_t128"] = steady_ms(compiled, ids)
    with torch.no_grad():
        expected, got = model(ids).float(), compiled(ids).float()
    result["max_abs_diff_vs_eager"] = float((expected - got).abs().max())
    result["same_next_tokens_as_eager"] = bool((expected.argmax(-1) == got.argmax(-1)).all())
    # the hit loads the miss's kernels: its outputs are the miss's to the bit
    result["logits_sum"] = float(got.double().sum())
    result["cuda_graphs_recorded"] = cuda_graphs_recorded()


def cuda_graphs_recorded():
    """How many CUDA graphs Inductor's cudagraph trees recorded in this process (0 where mode
    reduce-overhead is off or its graphs were skipped), or why that could not be read."""
    try:
        from torch._inductor import cudagraph_trees

        manager = cudagraph_trees.get_container(torch.cuda.current_device()).tree_manager
        if manager is None:
            return 0

        def count(nodes_by_function) -> int:  # each recorded graph, its children's too
            return sum(1 + count(node.children) for nodes in nodes_by_function.values()
                       for node in nodes)

        return count(manager.roots)
    except Exception as e:  # a release that keeps them elsewhere
        return "unknown: %r" % e


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["mega", "entries", "partial", "varying", "lm"])
    p.add_argument("variant", nargs="?", choices=["original", "changed", "mega", "entries", "both"])
    p.add_argument("--model", default="resnet50", help="a timm (or torchvision) model name")
    p.add_argument("--mode", help="torch.compile's mode, e.g. max-autotune-no-cudagraphs")
    p.add_argument("--pgo", action="store_true", help="varying: route PGO's cache too")
    p.add_argument("--job-id", help="varying: torch.compiler.config.job_id")
    p.add_argument("--upload-after", type=int,
                   help="varying, lm: warm_start's upload_after_calls (1 for varying, 2 for lm)")
    p.add_argument("--precompile", action="store_true",
                   help="mega, varying: warm_start's precompile (Dynamo's output in the "
                        "Mega-Cache)")
    p.add_argument("--mark-dynamic", action="store_true",
                   help="varying: torch._dynamo.mark_dynamic on the batch dimension of each input")
    p.add_argument("--cudagraphs-for-the-process", action="store_true",
                   help="lm: torch._inductor.config.triton.cudagraphs on for the whole process "
                        "(which a precompiled graph reads; warm_start then keeps precompile "
                        "under reduce-overhead)")
    args = p.parse_args()
    client = pt2cache.CacheClient()  # PT2CACHE_URL, PT2CACHE_NAMESPACE, PT2CACHE_TOKEN
    words = [args.command, args.variant, args.command != "lm" and args.model, args.mode, args.pgo and "pgo",
             args.job_id and "job " + args.job_id, args.mark_dynamic and "mark_dynamic",
             (args.upload_after or 1) > 1 and "upload after %d calls" % args.upload_after,
             args.precompile and "precompile",
             args.cudagraphs_for_the_process and "cudagraphs for the process"]
    result = {"run": " ".join(filter(None, words)),
              "import_torch_s": round(node.imported, 2)}
    if args.command == "mega":
        mega(result, client, args)
    elif args.command == "entries":
        entries(result, client, args)
    elif args.command == "varying":
        varying(result, client, args)
    elif args.command == "lm":
        lm(result, client, args)
    else:
        partial(result, client, args.variant)
    result["counters"] = node.counters()
    result.update(node.device())
    result["process_s"] = round(time.perf_counter() - node.started, 2)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
