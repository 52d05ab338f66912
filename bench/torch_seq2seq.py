"""Section 11.4's training with the book's PyTorch code (reference/book_seq2seq_torch.py) on d2l-ts's
corpus, for bench/torch_rows.py: one epoch of the book's `Trainer.fit_epoch` (3.2, with 9.5's
gradient clipping), the workload that bench/d2l_seq2seq.ts times with d2l-ts.
"""
import os
import sys

import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "reference"))
import book_seq2seq_torch as s2s  # noqa: E402

# The corpus d2l-ts ships, which d2l.MTFraEng reads by default.
CORPUS = os.path.join(REPO, "kernel-lib", "data", "fra-eng", "fra.txt")


def attention_seq2seq(data, row):
    """The book's 11.4 model: Seq2SeqEncoder, Seq2SeqAttentionDecoder, Seq2Seq (masked loss, as d2l-ts)."""
    sizes = (row["embed"], row["hiddens"], row["layers"], row["dropout"])
    encoder = s2s.Seq2SeqEncoder(len(data.src_vocab), *sizes)
    decoder = s2s.Seq2SeqAttentionDecoder(len(data.tgt_vocab), *sizes)
    return s2s.Seq2Seq(encoder, decoder, tgt_pad=data.tgt_vocab["<pad>"], lr=row["lr"])


def fit_epoch(model, optim, data, clip):
    """The book's Trainer.fit_epoch without the board: a clipped Adam step per training batch, then
    the validation batches."""
    model.train()
    for batch in data.train_dataloader():
        s2s.train_step(model, optim, batch, clip)
    model.eval()
    for batch in data.val_dataloader():
        with torch.no_grad():
            model.validation_step(batch)


def epoch_workload(row):
    """One epoch (MTFraEng(batchSize): 4 training batches, then validation); the model and the
    optimizer carry over from one timed epoch to the next, as in training."""
    data = s2s.MTFraEng(row["batchSize"], path=CORPUS)
    model = attention_seq2seq(data, row)
    model.eval()
    with torch.no_grad():  # materialises the lazy output layer before the optimizer takes the parameters
        model(*next(iter(data.train_dataloader()))[:-1])
    optim = model.configure_optimizers()
    return lambda: fit_epoch(model, optim, data, row["clip"])
