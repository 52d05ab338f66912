"""Times one benchmark row with the book's PyTorch code (reference/book_torch.py) and prints one JSON line:
{row, mode, times_ms, peak_rss_mb, threads, blas, torch}. Run by bench/run.mjs in a fresh
process per row, with Debian's Python. `threads` is "default" (torch's own choice: one intra-op
thread with Debian's torch here) or a number for `torch.set_num_threads`:

    /usr/bin/python3 bench/torch_rows.py <row id> <repeats> <max seconds> [threads]
    /usr/bin/python3 bench/torch_rows.py --info      # torch version, threads and the BLAS in use
"""
import ctypes
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import book_torch as book  # noqa: E402
import torch_seq2seq  # noqa: E402


def blas_in_use():
    """The BLAS library torch's process has loaded, with OpenBLAS's own description if it is one."""
    a = torch.ones(64, 64)
    torch.mm(a, a)  # make sure the BLAS is loaded
    paths = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            name = os.path.basename(path)
            if ("blas" in name or "mkl" in name) and path not in paths:
                paths.append(path)
    info = {"libraries": paths, "torch_blas_info": None, "openblas_config": None, "openblas_threads": None}
    config = torch.__config__.show()
    for part in config.replace("\n", ",").split(","):
        if "BLAS_INFO=" in part:
            info["torch_blas_info"] = part.split("BLAS_INFO=", 1)[1].strip()
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["openblas_config"] = lib.openblas_get_config().decode()
            info["openblas_threads"] = lib.openblas_get_num_threads()
            break
        except (OSError, AttributeError):
            continue
    if info["openblas_config"]:
        info["summary"] = f"OpenBLAS ({info['openblas_config']}, {info['openblas_threads']} threads)"
    elif paths:
        info["summary"] = ", ".join(os.path.basename(p) for p in paths)
    else:
        info["summary"] = "unknown (no BLAS library mapped)"
    return info


def valid_lens(batch, keys):
    """1 + (37·b) mod keys, the same valid lengths as bench/d2l_rows.ts."""
    return torch.tensor([1 + (37 * b) % keys for b in range(batch)])


def translation_batch(row):
    """A synthetic batch of MTFraEng's form (src, tgt input, src valid lengths, label), the same
    ids as bench/d2l_rows.ts: valid lengths 1 + (37·b) mod steps, `pad` after them, and token
    (7·i + 3) mod vocab otherwise (padding ids avoided)."""
    b, n, vocab, pad = row["batch"], row["steps"], row["vocab"], row["pad"]

    def ids(shift):
        out = torch.empty(b, n, dtype=torch.int64)
        for i in range(b):
            length = 1 + (37 * i) % n
            for t in range(n):
                token = (7 * (i * n + t) + 3 + shift) % vocab
                out[i, t] = (token if token != pad else pad + 1) if t < length else pad
        return out
    src_valid_len = torch.tensor([1 + (37 * i) % n for i in range(b)])
    return ids(0), ids(1), src_valid_len, ids(2)


def workload(row):
    rid = row["id"]
    if rid == "masked_softmax":
        X = torch.randn(row["batch"], row["queries"], row["keys"])
        lens = valid_lens(row["batch"], row["keys"])
        return lambda: book.masked_softmax(X, lens)
    if rid.startswith("dot_attention"):
        b, nq, nk, d = row["batch"], row["queries"], row["keys"], row["d"]
        backward = rid.endswith("_bwd")
        q, k, v = (torch.randn(b, n, d, requires_grad=backward) for n in (nq, nk, nk))
        lens = valid_lens(b, nk)
        attention = book.DotProductAttention(0)
        attention.eval()
        if not backward:
            return lambda: attention(q, k, v, lens)

        def step():
            for t in (q, k, v):
                t.grad = None
            attention(q, k, v, lens).sum().backward()
        return step
    if rid.startswith("additive_attention"):
        b, nq, nk, d = row["batch"], row["queries"], row["keys"], row["d"]
        q, k, v = torch.randn(b, nq, d), torch.randn(b, nk, d), torch.randn(b, nk, d)
        lens = valid_lens(b, nk)
        attention = book.AdditiveAttention(row["hiddens"], 0)
        attention.eval()
        return parameter_workload(rid.endswith("_bwd"), attention, lambda: attention(q, k, v, lens))
    if rid.startswith("mha"):
        b, n, h = row["batch"], row["tokens"], row["hiddens"]
        X = torch.randn(b, n, h)
        lens = valid_lens(b, n)
        attention = book.MultiHeadAttention(h, row["heads"], 0)
        attention.eval()
        return parameter_workload(rid.endswith("_bwd"), attention, lambda: attention(X, X, X, lens))
    if rid.startswith("nw_train"):
        def train():
            torch.manual_seed(0)
            data = book.NonlinearData(row["n"], batch_size=row["batchSize"])
            model = book.NWKernelRegression(data.x_train, data.y_train, lr=row["lr"])
            book.Trainer(max_epochs=row["epochs"]).fit(model, data)
        return train
    if rid == "seq2seq_attention_epoch":
        return torch_seq2seq.epoch_workload(row)
    if rid == "transformer_epoch":
        return transformer_epoch(row)
    if rid == "seq2seq_attention_step":
        import book_seq2seq_torch as s2s
        vocab, embed, hiddens, layers, dropout = row["vocab"], row["embed"], row["hiddens"], row["layers"], row["dropout"]
        encoder = s2s.Seq2SeqEncoder(vocab, embed, hiddens, layers, dropout)
        decoder = s2s.Seq2SeqAttentionDecoder(vocab, embed, hiddens, layers, dropout)
        return training_step(s2s.Seq2Seq(encoder, decoder, tgt_pad=row["pad"], lr=row["lr"]), row)
    if rid == "transformer_step":
        import book_seq2seq_torch as s2s
        import book_transformer_torch as tr
        sizes = (row["hiddens"], row["ffnHiddens"], row["heads"], row["blocks"], row["dropout"])
        encoder = tr.TransformerEncoder(row["vocab"], *sizes)
        decoder = tr.TransformerDecoder(row["vocab"], *sizes)
        return training_step(s2s.Seq2Seq(encoder, decoder, tgt_pad=row["pad"], lr=row["lr"]), row)
    raise SystemExit(f"torch_rows: unknown row {rid!r}")


CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kernel-lib", "data", "fra-eng", "fra.txt")


def training_step(model, row):
    """One step of the book's Trainer.fit_epoch (train_step: Adam and clip_gradients) on the
    synthetic batch of `row`, as bench/d2l_rows.ts's trainingStep."""
    import book_seq2seq_torch as s2s
    batch = translation_batch(row)
    with torch.no_grad():
        model(*batch[:-1])  # materialises the lazy layers
    optim = model.configure_optimizers()
    model.train()
    return lambda: s2s.train_step(model, optim, batch, row["clip"])


def transformer_epoch(row):
    """One epoch of the book's 11.7 training (Trainer.fit_epoch: every training minibatch with
    Adam and clip_gradients, then the validation minibatch) on d2l-ts's corpus."""
    import book_seq2seq_torch as s2s
    import book_transformer_torch as tr
    data = s2s.MTFraEng(row["batchSize"], path=CORPUS)
    sizes = (row["hiddens"], row["ffnHiddens"], row["heads"], row["blocks"], row["dropout"])
    encoder = tr.TransformerEncoder(len(data.src_vocab), *sizes)
    decoder = tr.TransformerDecoder(len(data.tgt_vocab), *sizes)
    model = s2s.Seq2Seq(encoder, decoder, tgt_pad=data.tgt_vocab['<pad>'], lr=row["lr"])
    with torch.no_grad():
        model(*next(iter(data.train_dataloader()))[:-1])  # materialises the lazy output layer
    optim = model.configure_optimizers()

    def epoch():
        model.train()
        for batch in data.train_dataloader():
            s2s.train_step(model, optim, batch, row["clip"])
        model.eval()
        with torch.no_grad():
            for batch in data.val_dataloader():
                model.validation_step(batch)
    return epoch


def parameter_workload(backward, module, forward):
    """Forward only, or forward + gradients of the sum with respect to the module's parameters."""
    forward()  # materialises the lazy layers
    if not backward:
        def run():
            with torch.no_grad():
                forward()
        return run

    def step():
        module.zero_grad(set_to_none=True)
        forward().sum().backward()
    return step


# The longest warm-up: runs, and milliseconds after which no further warm-up run starts.
WARM_UP_RUNS = 20
WARM_UP_MS = 2000


def main():
    if sys.argv[1:] == ["--info"]:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use()}))
        return
    rid, repeats, max_seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    threads = sys.argv[4] if len(sys.argv) > 4 else "default"
    if threads != "default":
        torch.set_num_threads(int(threads))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rows.json")) as f:
        rows = {r["id"]: r for r in json.load(f)["rows"]}
    torch.manual_seed(0)
    run = workload(rows[rid])
    max_ms = max_seconds * 1000
    start = time.perf_counter()
    run()
    first = (time.perf_counter() - start) * 1000
    times, warm_up = [], True
    if first * 2 > max_ms:
        times, warm_up = [first], False
    spent = first
    # More warm-up while the runs are short (as bench/d2l_rows.ts: up to 20 runs or 2 s).
    extra = 1
    while warm_up and extra < WARM_UP_RUNS and spent < WARM_UP_MS:
        start = time.perf_counter()
        run()
        spent += (time.perf_counter() - start) * 1000
        extra += 1
    while warm_up and len(times) < repeats and (not times or spent + times[0] < max_ms):
        start = time.perf_counter()
        run()
        t = (time.perf_counter() - start) * 1000
        times.append(t)
        spent += t
    print(json.dumps({
        "row": rid,
        "mode": "torch",
        "times_ms": times,
        "warm_up": warm_up,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
