"""The book's PyTorch code for chapter 11 (d2l.ai, sections 3.2/3.4, 11.2, 11.3, 11.5), as the
benchmark runs it against d2l-ts.

The `d2l` package is not installable here (no PyPI), so this file restates the definitions the
benchmark needs, operation for operation as the book computes them (same tensor ops, same
order, same -1e6 masking, same training loop), without plotting. Nothing else in the project
imports it.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F


# ---- 11.3: masked softmax and the scoring functions --------------------------------------------

def masked_softmax(X, valid_lens):
    """Softmax over the last axis; entries past each valid length are set to -1e6 first."""

    def sequence_mask(X, valid_len, value=0):
        maxlen = X.size(1)
        mask = torch.arange(maxlen, dtype=torch.float32, device=X.device)[None, :] < valid_len[:, None]
        X[~mask] = value
        return X

    if valid_lens is None:
        return F.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = torch.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
    return F.softmax(X.reshape(shape), dim=-1)


class DotProductAttention(nn.Module):
    """Scaled dot-product attention (11.3)."""

    def __init__(self, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class AdditiveAttention(nn.Module):
    """Additive attention (11.3)."""

    def __init__(self, num_hiddens, dropout):
        super().__init__()
        self.W_k = nn.LazyLinear(num_hiddens, bias=False)
        self.W_q = nn.LazyLinear(num_hiddens, bias=False)
        self.w_v = nn.LazyLinear(1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        features = torch.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


# ---- 11.5: multi-head attention -----------------------------------------------------------------

class MultiHeadAttention(nn.Module):
    """Multi-head attention (11.5)."""

    def __init__(self, num_hiddens, num_heads, dropout, bias=False):
        super().__init__()
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        queries = self.transpose_qkv(self.W_q(queries))
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        return self.W_o(self.transpose_output(output))

    def transpose_qkv(self, X):
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1)
        X = X.permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(self, X):
        X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2])
        X = X.permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)


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


def diff(queries, keys):
    return queries.reshape((-1, 1)) - keys.reshape((1, -1))


def attention_pool(query_key_diffs, values):
    attention_weights = F.softmax(-query_key_diffs ** 2 / 2, dim=1)
    return torch.matmul(attention_weights, values), attention_weights


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
