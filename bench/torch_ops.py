"""Times the single ops of bench/ops.json with PyTorch and prints one JSON line
{mode, threads, ops: {id: {median_us, runs}}}. Run by bench/run.mjs with Debian's Python:

    /usr/bin/python3 bench/torch_ops.py <threads: default|N> [max seconds per op] [id,id]

Each op runs once to warm up, then until it has taken a quarter of its budget (at least 3 and at
most 200 runs), as bench/d2l_ops.ts does. Each id is the closest torch counterpart of the d2l-ts
op; where torch returns a view (x[:, 3:4], chunk, unbind) it copies nothing, and that is what
torch's code pays.
"""
import json
import os
import resource
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F


def ids(count, n, shape=None):
    """(7·i + 3) mod n, the same ids as bench/d2l_ops.ts."""
    t = torch.tensor([(7 * i + 3) % n for i in range(count)], dtype=torch.int64)
    return t.reshape(shape) if shape else t


def with_grad(f, x):
    x = x.clone().requires_grad_(True)
    dy = torch.randn(x.shape)

    def run():
        x.grad = None
        y = f(x)
        y.backward(dy)
        return x.grad
    return run


def op(spec):
    rid = spec["id"]
    shape = spec.get("shape")
    if rid == "gather":
        table = torch.randn(spec["vocab"], spec["embed"])
        x = ids(spec["batch"] * spec["steps"], spec["vocab"], (spec["batch"], spec["steps"]))
        return lambda: F.embedding(x, table)
    if rid == "gather_grad":
        n = spec["batch"] * spec["steps"]
        dy = torch.randn(n, spec["embed"])
        x = ids(n, spec["vocab"])
        # What nn.Embedding's backward runs.
        return lambda: torch.ops.aten.embedding_dense_backward(dy, x, spec["vocab"], -1, False)
    if rid == "split":
        x = torch.randn(shape)
        return lambda: torch.chunk(x, spec["parts"], spec["axis"])
    if rid in ("slice", "slice_axis0"):
        x = torch.randn(shape)
        index = tuple(slice(b, b + s) for b, s in zip(spec["begin"], spec["size"]))
        return lambda: x[index]
    if rid == "strided_slice":
        x = torch.randn(shape)
        return lambda: x[:, spec["index"]]
    if rid == "pad":
        x = torch.randn(shape)
        # F.pad takes (last axis before, after, next-to-last before, after, ...).
        flat = [p for pair in reversed(spec["paddings"]) for p in pair]
        return lambda: F.pad(x, flat)
    if rid in ("concat", "concat3"):
        xs = [torch.randn(shape) for _ in range(spec["count"])]
        return lambda: torch.cat(xs, spec["axis"])
    if rid in ("pack", "pack_axis1"):
        xs = [torch.randn(shape) for _ in range(spec["count"])]
        return lambda: torch.stack(xs, spec["axis"])
    if rid in ("unpack", "unpack_axis1"):
        x = torch.randn(shape)
        return lambda: torch.unbind(x, spec["axis"])
    if rid == "one_hot":
        x = ids(spec["count"], spec["depth"])
        return lambda: F.one_hot(x, spec["depth"])
    if rid == "tile":
        x = torch.randn(shape)
        return lambda: x.repeat(*spec["reps"])
    if rid == "reverse":
        x = torch.randn(shape)
        return lambda: torch.flip(x, [spec["axis"]])
    if rid == "cast":
        x = torch.randn(shape) > 0
        return lambda: x.float()
    if rid == "select":
        c, a, b = torch.randn(shape) > 0, torch.randn(shape), torch.randn(shape)
        return lambda: torch.where(c, a, b)
    if rid == "sigmoid":
        x = torch.randn(shape)
        return lambda: torch.sigmoid(x)
    if rid == "sigmoid_grad":
        return with_grad(torch.sigmoid, torch.randn(shape))
    if rid == "relu":
        x = torch.randn(shape)
        return lambda: torch.relu(x)
    if rid == "relu_grad":
        return with_grad(torch.relu, torch.randn(shape))
    if rid in ("exp", "square"):
        x = torch.randn(shape)
        f = torch.exp if rid == "exp" else torch.square
        return lambda: f(x)
    if rid in ("log", "sqrt", "rsqrt"):
        x = torch.randn(shape).abs()
        f = {"log": torch.log, "sqrt": torch.sqrt, "rsqrt": torch.rsqrt}[rid]
        return lambda: f(x)
    if rid == "maximum":
        a, b = torch.randn(shape), torch.randn(shape)
        return lambda: torch.maximum(a, b)
    if rid == "minimum":
        a = torch.randn(shape)
        return lambda: torch.clamp(a, max=0.5)
    if rid == "max":
        x = torch.randn(shape)
        return lambda: torch.amax(x, -1)
    if rid == "mean":
        x = torch.randn(shape)
        return lambda: torch.mean(x, -1)
    if rid == "argmax":
        x = torch.randn(shape)
        return lambda: torch.argmax(x, -1)
    if rid == "log_softmax":
        return with_grad(lambda x: F.log_softmax(x, -1), torch.randn(shape))
    if rid == "cross_entropy":
        logits = torch.randn(spec["count"], spec["depth"], requires_grad=True)
        labels = ids(spec["count"], spec["depth"])

        def run():
            logits.grad = None
            F.cross_entropy(logits, labels).backward()
            return logits.grad
        return run
    if rid == "layer_norm":
        x, dy = torch.randn(shape, requires_grad=True), torch.randn(shape)
        norm = nn.LayerNorm(shape[-1])

        def run():
            norm.zero_grad(set_to_none=True)
            x.grad = None
            (norm(x) * dy).sum().backward()
        return run
    if rid == "matmul":
        a, b = torch.randn(spec["m"], spec["k"]), torch.randn(spec["k"], spec["n"])
        return lambda: a @ b
    if rid == "small_add":
        a, b = torch.randn(shape), torch.randn(shape)
        return lambda: a + b
    raise SystemExit(f"torch_ops: unknown op {rid!r}")


def call_once(f):
    start = time.perf_counter()
    f()
    return (time.perf_counter() - start) * 1000


def timed(f, budget_ms):
    first = call_once(f)
    times = []
    if first * 2 > budget_ms:
        times.append(first)
    else:
        spent = 0.0
        while len(times) < 200 and (len(times) < 3 or spent < budget_ms / 4):
            t = call_once(f)
            times.append(t)
            spent += t
    times.sort()
    mid = len(times) // 2
    median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
    return {"median_us": median * 1000, "runs": len(times)}


def main():
    threads = sys.argv[1]
    budget_ms = float(sys.argv[2] if len(sys.argv) > 2 else 20) * 1000
    wanted = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
    if threads != "default":
        torch.set_num_threads(int(threads))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.json")) as f:
        specs = json.load(f)["ops"]
    torch.manual_seed(0)
    ops = {}
    for spec in specs:
        if wanted and spec["id"] not in wanted:
            continue
        ops[spec["id"]] = timed(op(spec), budget_ms)
    print(json.dumps({
        "mode": "torch",
        "threads": torch.get_num_threads(),
        "ops": ops,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
