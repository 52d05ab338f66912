"""The book's own PyTorch definitions for chapter 11 of d2l.ai (version 1.0), restated here
because the `d2l` package cannot be installed on this machine (no PyPI).

One definition per function or class, with its section in a comment, operation for operation as
the book computes them (same tensor ops, same order, same -1e6 masking, same training loop),
without the plotting. Two consumers:
- test/fixtures/generate.py writes the parity fixtures d2l-ts is tested against;
- bench/ times the same code against d2l-ts.
Where a definition differs from the book's text it is only so that the same code also runs in
float64 (the book hard-codes float32 in two places); this is marked "float64 run:".
"""

import math

import torch
from torch import nn
from torch.nn import functional as F


# Section 11.3, masked softmax. As in the book, _sequence_mask writes into its argument; the
# argument is always a fresh reshape result here, never a leaf that requires grad.
def masked_softmax(X, valid_lens):
    def _sequence_mask(X, valid_len, value=0):
        maxlen = X.size(1)
        mask = torch.arange((maxlen), dtype=torch.float32,
                            device=X.device)[None, :] < valid_len[:, None]
        X[~mask] = value
        return X

    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = torch.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    # Masked scores become -1e6, whose exponential is 0.
    X = _sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
    return nn.functional.softmax(X.reshape(shape), dim=-1)


# Section 11.3, scaled dot-product attention.
class DotProductAttention(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    # queries (batch, queries, d), keys (batch, keys, d), values (batch, keys, v),
    # valid_lens (batch,) or (batch, queries)
    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


# Section 11.3, additive attention.
class AdditiveAttention(nn.Module):
    def __init__(self, num_hiddens, dropout):
        super().__init__()
        self.W_k = nn.LazyLinear(num_hiddens, bias=False)
        self.W_q = nn.LazyLinear(num_hiddens, bias=False)
        self.w_v = nn.LazyLinear(1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        # (batch, queries, 1, h) + (batch, 1, keys, h) by broadcasting
        features = torch.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))
        scores = self.w_v(features).squeeze(-1)  # (batch, queries, keys)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


# Section 11.5, multi-head attention (with transpose_qkv / transpose_output as methods).
class MultiHeadAttention(nn.Module):
    def __init__(self, num_hiddens, num_heads, dropout, bias=False):
        super().__init__()
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        # After transpose_qkv: (batch * num_heads, n, num_hiddens / num_heads)
        queries = self.transpose_qkv(self.W_q(queries))
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:
            # Each valid length repeated once per head, along the batch axis.
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        output_concat = self.transpose_output(output)
        return self.W_o(output_concat)

    def transpose_qkv(self, X):
        # (batch, n, num_hiddens) -> (batch, n, heads, num_hiddens / heads)
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1)
        X = X.permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(self, X):
        # Reverses transpose_qkv.
        X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2])
        X = X.permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)


# Section 11.6, sinusoidal positional encoding.
class PositionalEncoding(nn.Module):
    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        # float64 run: the book builds P in float32; here in the run's default dtype.
        dtype = torch.get_default_dtype()
        self.P = torch.zeros((1, max_len, num_hiddens))
        X = torch.arange(max_len, dtype=dtype).reshape(-1, 1) / torch.pow(
            10000, torch.arange(0, num_hiddens, 2, dtype=dtype) / num_hiddens)
        self.P[:, :, 0::2] = torch.sin(X)
        self.P[:, :, 1::2] = torch.cos(X)

    def forward(self, X):
        X = X + self.P[:, :X.shape[1], :].to(X.device)
        return self.dropout(X)


# Section 11.7, position-wise feed-forward network.
class PositionWiseFFN(nn.Module):
    def __init__(self, ffn_num_hiddens, ffn_num_outputs):
        super().__init__()
        self.dense1 = nn.LazyLinear(ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.LazyLinear(ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.relu(self.dense1(X)))


# Section 11.7, residual connection followed by layer normalisation.
class AddNorm(nn.Module):
    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


# Section 11.2, kernels (d2l 1.0). The gaussian has no 1/sqrt(2 pi): it cancels in the
# normalisation.
def gaussian(x):
    return torch.exp(-x**2 / 2)


def boxcar(x):
    return torch.abs(x) < 1.0


def constant(x):
    return 1.0 + 0 * x


def epanechikov(x):
    return torch.max(1 - torch.abs(x), torch.zeros_like(x))


def gaussian_with_width(sigma):
    return (lambda x: torch.exp(-x**2 / (2 * sigma**2)))


# Section 11.2, Nadaraya-Watson regression with a kernel: one column of weights per query.
def nadaraya_watson(x_train, y_train, x_val, kernel):
    dists = x_train.reshape((-1, 1)) - x_val.reshape((1, -1))
    # float64 run: the book casts the kernel values to float32; here to the run's dtype.
    k = kernel(dists).type(torch.get_default_dtype())
    attention_w = k / k.sum(0)  # normalise over the keys of each query
    y_hat = y_train @ attention_w
    return y_hat, attention_w


# Section 11.2 (parametric attention pooling, seed 002): query-key differences and Gaussian
# attention pooling over them.
def diff(queries, keys):
    return queries.reshape((-1, 1)) - keys.reshape((1, -1))


def attention_pool(query_key_diffs, values):
    attention_weights = F.softmax(- query_key_diffs**2 / 2, dim=1)
    return torch.matmul(attention_weights, values), attention_weights


# Seed 001 ("Attention is what I first need"): the square subsequent (causal) mask and a padding
# mask from token ids. Here as keep-masks (True = attend), applied the book's way: masked scores
# become -1e6 before the softmax.
def square_subsequent_keep(sz):
    return (torch.triu(torch.ones((sz, sz))) == 1).transpose(0, 1)


def padding_keep(tokens, pad_idx):
    return ~(tokens == pad_idx)


def softmax_with_keep(scores, keep):
    return F.softmax(scores.masked_fill(~keep, -1e6), dim=-1)


# ---- 3.2 / 3.4: the training framework the book's 11.2 uses (without the plots) ----------------

class Module(nn.Module):
    def loss(self, y_hat, y):
        raise NotImplementedError

    def training_step(self, batch):
        return self.loss(self(*batch[:-1]), batch[-1])

    def validation_step(self, batch):
        return self.loss(self(*batch[:-1]), batch[-1])


class SGD:
    """Minibatch stochastic gradient descent (3.4)."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


class DataModule:
    def __init__(self, batch_size):
        self.batch_size = batch_size

    def get_tensorloader(self, tensors, train, indices=slice(0, None)):
        tensors = tuple(a[indices] for a in tensors)
        dataset = torch.utils.data.TensorDataset(*tensors)
        return torch.utils.data.DataLoader(dataset, self.batch_size, shuffle=train)

    def train_dataloader(self):
        return self.get_dataloader(train=True)

    def val_dataloader(self):
        return self.get_dataloader(train=False)


class Trainer:
    """The book's `d2l.Trainer.fit` loop (3.2/3.4), with gradient clipping off as in 11.2."""

    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, model, data):
        train_dataloader, val_dataloader = data.train_dataloader(), data.val_dataloader()
        optim = model.configure_optimizers()
        for _ in range(self.max_epochs):
            model.train()
            for batch in train_dataloader:
                loss = model.training_step(batch)
                optim.zero_grad()
                with torch.no_grad():
                    loss.backward()
                    optim.step()
            model.eval()
            for batch in val_dataloader:
                with torch.no_grad():
                    model.validation_step(batch)


# ---- 11.2: parametric attention pooling --------------------------------------------------------

class NonlinearData(DataModule):
    def __init__(self, n, batch_size):
        super().__init__(batch_size)
        f = lambda x: 2 * torch.sin(x) + x ** 0.8
        self.x_train, _ = torch.sort(torch.rand(n) * 5)
        self.y_train = f(self.x_train) + torch.randn(n)
        self.x_val = torch.arange(0, 5, 5.0 / n)
        self.y_val = f(self.x_val)

    def get_dataloader(self, train):
        arrays = (self.x_train, self.y_train) if train else (self.x_val, self.y_val)
        return self.get_tensorloader(arrays, train)


class NWKernelRegression(Module):
    def __init__(self, keys, values, lr):
        super().__init__()
        self.keys, self.values, self.lr = keys, values, lr
        self.w = torch.ones(1, requires_grad=True)

    def forward(self, queries):
        y_hat, self.attention_weights = attention_pool(diff(queries, self.keys) * self.w, self.values)
        return y_hat

    def loss(self, y_hat, y):
        l = (y_hat.reshape(-1) - y.reshape(-1)) ** 2 / 2
        return l.mean()

    def configure_optimizers(self):
        return SGD([self.w], self.lr)
