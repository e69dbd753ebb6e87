"""The process-wide settings in the descriptor (``compile.options["pt2cache.process_settings"]``),
on a real torch: the same in every process of an identical node, different where PyTorch's own
graph keys differ, and needed (a Mega-Cache made under other settings is loaded, yet every graph
compiles again).

  python settings_proof.py          # runs its cases in fresh processes, prints one JSON line each
"""

import json
import os
import subprocess
import sys
import tempfile
import time

CASE = r'''
import json, os, sys, time
import torch
setting = sys.argv[1]
if setting == "matmul-high":
    torch.set_float32_matmul_precision("high")
elif setting == "deterministic":
    torch.use_deterministic_algorithms(True)
elif setting == "freezing":
    torch._inductor.config.freezing = True
elif setting == "private":
    torch._inductor.config._micro_pipeline_tp = True
elif setting == "custom-pass":
    from torch._inductor.custom_graph_pass import CustomGraphPass

    class Identity(CustomGraphPass):
        def __call__(self, graph):
            return None

        def uuid(self):
            return "identity-v1"

    torch._inductor.config.post_grad_custom_post_pass = Identity()
import pt2cache
started = time.perf_counter()
d = pt2cache.describe("proof", "1")
described = time.perf_counter() - started
result = {"setting": setting, "key": pt2cache.derive_key("mega-cache", d),
          "settings": d["compile"]["options"]["pt2cache.process_settings"],
          "describe_ms": round(described * 1000, 1)}
mode = os.environ.get("PROOF_MEGACACHE")
if mode:
    def f(x):
        return torch.nn.functional.gelu(x @ x.T) + 1
    compiled = torch.compile(f)
    x = torch.randn(512, 512, device="cuda")
    if mode.startswith("load:"):
        with open(mode[5:], "rb") as blob:
            torch.compiler.load_cache_artifacts(blob.read())
    compiled(x)
    torch.cuda.synchronize()
    counters = torch._dynamo.utils.counters["inductor"]
    result["fxgraph_cache_hit"] = counters["fxgraph_cache_hit"]
    result["fxgraph_cache_miss"] = counters["fxgraph_cache_miss"]
    if mode.startswith("save:"):
        with open(mode[5:], "wb") as blob:
            blob.write(torch.compiler.save_cache_artifacts()[0])
    again = pt2cache.describe("proof", "1")
    result["same_after_compiling"] = pt2cache.derive_key("mega-cache", again) == result["key"]
print(json.dumps(result), flush=True)
'''


def run(setting: str, **env: str) -> dict:
    environment = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=tempfile.mkdtemp(), **env)
    out = subprocess.run([sys.executable, "-c", CASE, setting], env=environment,
                         capture_output=True, text=True, check=True)
    line = json.loads(out.stdout.strip().splitlines()[-1])
    line["env"] = env
    print(json.dumps(line), flush=True)
    return line


def main() -> None:
    blob = os.path.join(tempfile.mkdtemp(), "mega-cache.bin")
    base = run("default", PYTHONHASHSEED="1", PROOF_MEGACACHE="save:" + blob)
    same = [run("default", PYTHONHASHSEED="2"),
            run("default", PYTHONHASHSEED="3", TORCHINDUCTOR_COMPILE_THREADS="1")]
    other = [run("matmul-high"), run("deterministic"), run("freezing"), run("private"),
             run("custom-pass"), run("default", TORCHINDUCTOR_COORDINATE_DESCENT_TUNING="1")]
    warm = run("default", PROOF_MEGACACHE="load:" + blob)
    needed = run("matmul-high", PROOF_MEGACACHE="load:" + blob)
    summary = {
        "identical_nodes_share_the_key": all(c["key"] == base["key"] for c in same),
        "other_settings_other_keys": [c["setting"] + str(c["env"]) for c in other
                                      if c["key"] == base["key"]] == [],
        "same_after_compiling": base["same_after_compiling"],
        "warm_hits": [warm["fxgraph_cache_hit"], warm["fxgraph_cache_miss"]],
        "other_settings_miss_anyway": [needed["fxgraph_cache_hit"], needed["fxgraph_cache_miss"]],
        "describe_ms": [c["describe_ms"] for c in [base] + same + other],
    }
    print("SUMMARY " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
