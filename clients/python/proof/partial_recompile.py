"""A changed model recompiles only what changed: two graphs (a graph break between them), the
second changed in the second process. PyTorch's remote FX graph cache goes through the real
adapter (pt2cache.install_remote_caches) to a directory of entries shared by both processes.

  python partial_recompile.py original DIR   # compiles both graphs, records their entries
  python partial_recompile.py changed DIR    # fresh cache dir: graph 1 hits, graph 2 compiles
"""

import json
import sys
import time

import torch

import pt2cache
from pt2cache.directory import DirectoryEntries


def model(variant: str):
    def forward(x):
        y = torch.nn.functional.gelu(x @ x.T) * 2  # graph 1: the same in both variants
        torch._dynamo.graph_break()
        if variant == "original":  # graph 2: changed between the variants
            return torch.relu(y) + 1
        return torch.sigmoid(y) - 1

    return forward


def main() -> None:
    variant, directory = sys.argv[1], sys.argv[2]
    pt2cache.install_remote_caches(DirectoryEntries(directory))
    compiled = torch.compile(model(variant))
    x = torch.randn(256, 256, device="cuda")
    started = time.perf_counter()
    compiled(x)
    torch.cuda.synchronize()
    counters = torch._dynamo.utils.counters
    print(json.dumps({
        "variant": variant,
        "first_call_s": round(time.perf_counter() - started, 2),
        "fx_graph": {k: v for k, v in dict(counters["inductor"]).items() if "fxgraph" in k},
        "aot_autograd": {k: v for k, v in dict(counters["aot_autograd"]).items() if "cache" in k},
        "graphs_compiled_by_dynamo": counters["stats"]["unique_graphs"],
    }), flush=True)


if __name__ == "__main__":
    main()
