"""Writes the book's PyTorch sections 11.1, 11.2, 11.3, 11.4 and 11.7 as Python notebooks for
the end-to-end timing of bench/run.mjs (executed with ipykernel, like d2l.ai's own notebooks).

The cells follow the sections' PyTorch code cell by cell (data, pooling, plots, heatmaps,
training), on the definitions of reference/book_torch.py and reference/book_seq2seq_torch.py and
with matplotlib figures rendered as SVG as d2l.ai does. The `d2l` package itself is not
installable here; the plotting helpers the sections use are restated in the first cell, and for
11.4 the book's `Trainer.fit` with its live `ProgressBoard` (every averaged point redraws the
figure, as the book's training shows it).

    /usr/bin/python3 bench/book_sections.py OUT_DIR    # writes OUT_DIR/book-11.1.ipynb, book-11.2.ipynb, book-11.3.ipynb, book-11.4.ipynb, book-11.7.ipynb
"""
import json
import os
import sys

REFERENCE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference")

SETUP = f"""
import math, sys, warnings
warnings.filterwarnings('ignore', message='Lazy modules are a new feature')  # torch 1.13's notice on stderr
sys.path.insert(0, {REFERENCE_DIR!r})
import torch
from torch import nn
from torch.nn import functional as F
import matplotlib
from matplotlib import pyplot as plt
from matplotlib_inline import backend_inline
backend_inline.set_matplotlib_formats('svg')
import book_torch as book

def plot(X, Y, xlabel=None, ylabel=None, legend=(), xlim=None, ylim=None, figsize=(3.5, 2.5)):
    fig, axes = plt.subplots(figsize=figsize)
    for x, y in zip(X, Y):
        axes.plot(x, y)
    axes.set_xlabel(xlabel); axes.set_ylabel(ylabel)
    if xlim: axes.set_xlim(xlim)
    if ylim: axes.set_ylim(ylim)
    if legend: axes.legend(legend)
    axes.grid()
    return axes

def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5), cmap='Reds'):
    num_rows, num_cols = len(matrices), len(matrices[0])
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize, sharex=True, sharey=True, squeeze=False)
    for i, (row_axes, row_matrices) in enumerate(zip(axes, matrices)):
        for j, (ax, matrix) in enumerate(zip(row_axes, row_matrices)):
            pcm = ax.imshow(matrix.detach().numpy(), cmap=cmap)
            if i == num_rows - 1: ax.set_xlabel(xlabel)
            if j == 0: ax.set_ylabel(ylabel)
            if titles: ax.set_title(titles[j])
    fig.colorbar(pcm, ax=axes, shrink=0.6)
"""

# Section 11.1: the identity matrix as attention weights (the book's only code cell after show_heatmaps).
SECTION_11_1 = [
    SETUP,
    "attention_weights = torch.eye(10).reshape((1, 1, 10, 10))\nshow_heatmaps(attention_weights, xlabel='Keys', ylabel='Queries')",
]

SECTION_11_2 = [
    SETUP,
    """
torch.manual_seed(0)
n = 50
data = book.NonlinearData(n, batch_size=10)

def plot_kernel_reg(y_hat):
    ax = plot([data.x_val, data.x_val], [data.y_val, y_hat.detach()], 'x', 'y', legend=['Truth', 'Pred'],
              xlim=[0, 5], ylim=[-1, 5])
    ax.plot(data.x_train, data.y_train, 'o', alpha=0.5)
""",
    "plot_kernel_reg(data.y_train.mean().repeat(n))",
    """
def gaussian(x): return torch.exp(-x**2 / 2)
def boxcar(x): return (torch.abs(x) < 1.0).float()
def constant(x): return 1.0 + 0 * x
def epanechikov(x): return torch.max(1 - torch.abs(x), torch.zeros_like(x))

fig, axes = plt.subplots(1, 4, sharey=True, figsize=(12, 3))
kernels = (gaussian, boxcar, constant, epanechikov)
names = ('Gaussian', 'Boxcar', 'Constant', 'Epanechikov')
x = torch.arange(-2.5, 2.5, 0.1)
for kernel, name, ax in zip(kernels, names, axes):
    ax.plot(x.detach().numpy(), kernel(x).detach().numpy())
    ax.set_xlabel(name)
""",
    """
def nadaraya_watson(x_train, y_train, x_val, kernel):
    dists = x_train.reshape((-1, 1)) - x_val.reshape((1, -1))
    k = kernel(dists).type(torch.float32)
    attention_w = k / k.sum(0)
    y_hat = y_train @ attention_w
    return y_hat, attention_w

def plot_nw(x_val, y_val, kernels, names, attention=False):
    fig, axes = plt.subplots(1, 4, sharey=True, figsize=(12, 3))
    for kernel, name, ax in zip(kernels, names, axes):
        y_hat, attention_w = nadaraya_watson(data.x_train, data.y_train, x_val, kernel)
        if attention:
            pcm = ax.imshow(attention_w.detach().numpy(), cmap='Reds')
        else:
            ax.plot(x_val, y_hat)
            ax.plot(x_val, y_val, 'm--')
            ax.plot(data.x_train, data.y_train, 'o', alpha=0.5)
        ax.set_xlabel(name)
        if not attention:
            ax.legend(['y_hat', 'y'])
    if attention:
        fig.colorbar(pcm, ax=axes, shrink=0.7)

plot_nw(data.x_val, data.y_val, kernels, names)
""",
    "plot_nw(data.x_val, data.y_val, kernels, names, attention=True)",
    """
sigmas = (0.1, 0.2, 0.5, 1)
names = ['Sigma ' + str(sigma) for sigma in sigmas]
def gaussian_with_width(sigma): return (lambda x: torch.exp(-x**2 / (2 * sigma**2)))
kernels = [gaussian_with_width(sigma) for sigma in sigmas]
plot_nw(data.x_val, data.y_val, kernels, names)
""",
    "plot_nw(data.x_val, data.y_val, kernels, names, attention=True)",
    """
y_hat, attention_weights = book.attention_pool(book.diff(data.x_val, data.x_train), data.y_train)
plot_kernel_reg(y_hat)
show_heatmaps([[attention_weights]], xlabel='Sorted training inputs', ylabel='Sorted validation inputs')
""",
    """
model = book.NWKernelRegression(data.x_train, data.y_train, lr=1)
book.Trainer(max_epochs=5).fit(model, data)
plot_kernel_reg(model.forward(data.x_val))
show_heatmaps([[model.attention_weights]], xlabel='Sorted training inputs', ylabel='Sorted validation inputs')
""",
]

SECTION_11_3 = [
    SETUP,
    "torch.manual_seed(0)\nbook.masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3]))",
    "book.masked_softmax(torch.rand(2, 2, 4), torch.tensor([[1, 3], [2, 4]]))",
    "Q = torch.ones((2, 3, 4))\nK = torch.ones((2, 4, 6))\nassert torch.bmm(Q, K).shape == (2, 3, 6)",
    """
queries = torch.normal(0, 1, (2, 1, 2))
keys = torch.normal(0, 1, (2, 10, 2))
values = torch.normal(0, 1, (2, 10, 4))
valid_lens = torch.tensor([2, 6])
attention = book.DotProductAttention(dropout=0.5)
attention.eval()
assert attention(queries, keys, values, valid_lens).shape == (2, 1, 4)
""",
    "show_heatmaps(attention.attention_weights.reshape((1, 1, 2, 10)), xlabel='Keys', ylabel='Queries')",
    """
queries = torch.normal(0, 1, (2, 1, 20))
attention = book.AdditiveAttention(num_hiddens=8, dropout=0.1)
attention.eval()
assert attention(queries, keys, values, valid_lens).shape == (2, 1, 4)
""",
    "show_heatmaps(attention.attention_weights.reshape((1, 1, 2, 10)), xlabel='Keys', ylabel='Queries')",
]

SETUP_11_4 = SETUP + f"""
import os
# Debian's torch runs one intra-op thread by default; d2l-ts uses every core: torch at its best.
torch.set_num_threads(os.cpu_count())
from IPython import display
import book_seq2seq_torch as s2s
# The corpus d2l-ts ships (d2l.MTFraEng reads it by default); the book downloads its own fra.txt.
CORPUS = {os.path.join(os.path.dirname(REFERENCE_DIR), "kernel-lib", "data", "fra-eng", "fra.txt")!r}

class ProgressBoard:
    \"\"\"d2l.ProgressBoard.draw (3.2): averages every `every_n` points of a label and redraws the figure.\"\"\"
    def __init__(self, xlim, figsize=(3.5, 2.5)):
        self.xlim, self.figsize, self.raw_points, self.data, self.fig = xlim, figsize, {{}}, {{}}, None

    def draw(self, x, y, label, every_n=1):
        points, line = self.raw_points.setdefault(label, []), self.data.setdefault(label, [])
        points.append((x, y))
        if len(points) != every_n:
            return
        line.append((sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)))
        points.clear()
        if self.fig is None:
            self.fig = plt.figure(figsize=self.figsize)
        plt_lines = [plt.plot([p[0] for p in v], [p[1] for p in v], linestyle=ls, color=color)[0]
                     for v, ls, color in zip(self.data.values(), ['-', '--'], ['C0', 'C1'])]
        axes = plt.gca()
        axes.set_xlim(self.xlim)
        axes.set_xlabel('epoch')
        axes.legend(plt_lines, list(self.data))
        display.display(self.fig)
        display.clear_output(wait=True)

def fit(model, data, max_epochs, gradient_clip_val):
    \"\"\"d2l.Trainer(max_epochs, gradient_clip_val).fit(model, data) (3.2, 9.5), plotting as Module.plot does.\"\"\"
    board = ProgressBoard(xlim=[0, max_epochs])
    train_dataloader, val_dataloader = data.train_dataloader(), data.val_dataloader()
    num_train_batches, num_val_batches = len(train_dataloader), len(val_dataloader)
    optim = model.configure_optimizers()
    train_batch_idx = 0
    for epoch in range(max_epochs):
        model.train()
        for batch in train_dataloader:
            loss = s2s.train_step(model, optim, batch, gradient_clip_val)
            train_batch_idx += 1
            board.draw(train_batch_idx / num_train_batches, loss.item(), 'train_loss', every_n=int(num_train_batches / 2))
        model.eval()
        for batch in val_dataloader:
            with torch.no_grad():
                board.draw(epoch + 1, model.validation_step(batch).item(), 'val_loss', every_n=int(num_val_batches / 1))
    return board
"""

# The four test sentences translated, with their BLEU (11.4 and 11.7 alike).
TRANSLATE_CELL = """
engs = ['go .', 'i lost .', "he's calm .", "i'm home ."]
fras = ['va !', "j'ai perdu .", 'il est calme .', 'je suis chez moi .']
preds, _ = model.predict_step(data.build(engs, fras), data.num_steps)
for en, fr, p in zip(engs, fras, preds):
    translation = []
    for token in data.tgt_vocab.to_tokens(p):
        if token == '<eos>':
            break
        translation.append(token)
    print(f'{en} => {translation}, bleu,{s2s.bleu(" ".join(translation), fr, k=2):.3f}')
"""

SECTION_11_4 = [
    SETUP_11_4,
    """
vocab_size, embed_size, num_hiddens, num_layers = 10, 8, 16, 2
batch_size, num_steps = 4, 7
encoder = s2s.Seq2SeqEncoder(vocab_size, embed_size, num_hiddens, num_layers)
decoder = s2s.Seq2SeqAttentionDecoder(vocab_size, embed_size, num_hiddens, num_layers)
X = torch.zeros((batch_size, num_steps), dtype=torch.long)
state = decoder.init_state(encoder(X), None)
output, state = decoder(X, state)
assert output.shape == (batch_size, num_steps, vocab_size)
assert state[0].shape == (batch_size, num_steps, num_hiddens)
assert state[1][0].shape == (batch_size, num_hiddens)
""",
    """
torch.manual_seed(0)
data = s2s.MTFraEng(batch_size=128, path=CORPUS)
embed_size, num_hiddens, num_layers, dropout = 256, 256, 2, 0.2
encoder = s2s.Seq2SeqEncoder(len(data.src_vocab), embed_size, num_hiddens, num_layers, dropout)
decoder = s2s.Seq2SeqAttentionDecoder(len(data.tgt_vocab), embed_size, num_hiddens, num_layers, dropout)
model = s2s.Seq2Seq(encoder, decoder, tgt_pad=data.tgt_vocab['<pad>'], lr=0.005)
board = fit(model, data, max_epochs=30, gradient_clip_val=1)
""",
    TRANSLATE_CELL,
    """
_, dec_attention_weights = model.predict_step(data.build([engs[-1]], [fras[-1]]), data.num_steps, True)
attention_weights = torch.cat([step[0][0][0] for step in dec_attention_weights], 0)
attention_weights = attention_weights.reshape((1, 1, -1, data.num_steps))
# Plus one to include the end-of-sequence token
show_heatmaps(attention_weights[:, :, :, :len(engs[-1].split()) + 1], xlabel='Key positions', ylabel='Query positions')
""",
]


# Section 11.7 on reference/book_transformer_torch.py, trained on d2l-ts's corpus (the file the
# book's MTFraEng reads), with 11.4's set-up: torch on every core and the book's Trainer.fit with
# its live ProgressBoard, as d2l-ts's notebook trains with its own.
SECTION_11_7 = [
    SETUP_11_4 + "import book_transformer_torch as tr\n",
    "torch.manual_seed(0)\nffn = book.PositionWiseFFN(4, 8)\nffn.eval()\nffn(torch.ones((2, 3, 4)))[0]",
    """
ln = nn.LayerNorm(2)
bn = nn.LazyBatchNorm1d()
X = torch.tensor([[1, 2], [2, 3]], dtype=torch.float32)
print('layer norm:', ln(X), '\\nbatch norm:', bn(X))
""",
    "add_norm = book.AddNorm(4, 0.5)\nshape = (2, 3, 4)\nassert add_norm(torch.ones(shape), torch.ones(shape)).shape == shape",
    """
X = torch.ones((2, 100, 24))
valid_lens = torch.tensor([3, 2])
encoder_blk = tr.TransformerEncoderBlock(24, 48, 8, 0.5)
encoder_blk.eval()
assert encoder_blk(X, valid_lens).shape == X.shape
""",
    """
encoder = tr.TransformerEncoder(200, 24, 48, 8, 2, 0.5)
assert encoder(torch.ones((2, 100), dtype=torch.long), valid_lens).shape == (2, 100, 24)
""",
    """
decoder_blk = tr.TransformerDecoderBlock(24, 48, 8, 0.5, 0)
X = torch.ones((2, 100, 24))
state = [encoder_blk(X, valid_lens), valid_lens, [None]]
assert decoder_blk(X, state)[0].shape == X.shape
""",
    """
data = s2s.MTFraEng(batch_size=128, path=CORPUS)
num_hiddens, num_blks, dropout = 256, 2, 0.2
ffn_num_hiddens, num_heads = 64, 4
encoder = tr.TransformerEncoder(len(data.src_vocab), num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout)
decoder = tr.TransformerDecoder(len(data.tgt_vocab), num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout)
model = s2s.Seq2Seq(encoder, decoder, tgt_pad=data.tgt_vocab['<pad>'], lr=0.001)
with torch.no_grad():
    model(*next(iter(data.train_dataloader()))[:-1])  # the lazy layers, before the optimizer
board = fit(model, data, max_epochs=30, gradient_clip_val=1)
""",
    TRANSLATE_CELL,
    """
_, dec_attention_weights = model.predict_step(data.build([engs[-1]], [fras[-1]]), data.num_steps, True)
enc_attention_weights = torch.cat(model.encoder.attention_weights, 0)
enc_attention_weights = enc_attention_weights.reshape((num_blks, num_heads, -1, data.num_steps))
show_heatmaps(enc_attention_weights.cpu(), xlabel='Key positions', ylabel='Query positions',
              titles=['Head %d' % i for i in range(1, 5)], figsize=(7, 3.5))
""",
    """
dec_attention_weights_2d = [head[0].tolist() for step in dec_attention_weights
                            for attn in step for blk in attn for head in blk]
# the book: pd.DataFrame(...).fillna(0.0) (pandas is not installed here): rows padded with zeros
width = max(len(row) for row in dec_attention_weights_2d)
dec_attention_weights_filled = torch.tensor([row + [0.0] * (width - len(row)) for row in dec_attention_weights_2d])
dec_attention_weights = dec_attention_weights_filled.reshape((-1, 2, num_blks, num_heads, data.num_steps))
dec_self_attention_weights, dec_inter_attention_weights = dec_attention_weights.permute(1, 2, 3, 0, 4)
show_heatmaps(dec_self_attention_weights[:, :, :, :], xlabel='Key positions', ylabel='Query positions',
              titles=['Head %d' % i for i in range(1, 5)], figsize=(7, 3.5))
show_heatmaps(dec_inter_attention_weights, xlabel='Key positions', ylabel='Query positions',
              titles=['Head %d' % i for i in range(1, 5)], figsize=(7, 3.5))
""",
]


def notebook(cells):
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src.strip() + "\n"}
            for src in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, cells in (("book-11.1.ipynb", SECTION_11_1), ("book-11.2.ipynb", SECTION_11_2), ("book-11.3.ipynb", SECTION_11_3), ("book-11.4.ipynb", SECTION_11_4),
                        ("book-11.7.ipynb", SECTION_11_7)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(notebook(cells), f, indent=1)
        print(os.path.join(out, name))


if __name__ == "__main__":
    main()
