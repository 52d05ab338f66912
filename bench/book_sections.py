"""Writes the book's PyTorch sections 11.2 and 11.3 as Python notebooks for the end-to-end timing
of bench/run.mjs (executed with ipykernel, like d2l.ai's own notebooks).

The cells follow the sections' PyTorch code cell by cell (data, pooling, plots, heatmaps,
training), on the definitions of reference/book_torch.py and with matplotlib figures rendered as SVG as
d2l.ai does. The `d2l` package itself is not installable here; its two plotting helpers the
sections use are restated in the first cell.

    /usr/bin/python3 bench/book_sections.py OUT_DIR    # writes OUT_DIR/book-11.2.ipynb, book-11.3.ipynb
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
    for name, cells in (("book-11.2.ipynb", SECTION_11_2), ("book-11.3.ipynb", SECTION_11_3)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(notebook(cells), f, indent=1)
        print(os.path.join(out, name))


if __name__ == "__main__":
    main()
