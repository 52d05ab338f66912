"""The book's own PyTorch code for section 11.7 (d2l.ai version 1.0), the Transformer, restated
here because the `d2l` package cannot be installed on this machine (no PyPI); it builds on the
layers of reference/book_torch.py and the encoder-decoder classes of reference/book_seq2seq_torch.py.

One definition per class, operation for operation as the book computes them. Consumers:
test/fixtures/generate.py (transformer_cases.py, the parity fixtures) and the benchmark (section
11.7's training against d2l-ts).

Below the book's classes, `CausalTransformerDecoderBlock` and `CausalTransformerDecoder` restate
the decoder with d2l-ts's two corrections of the book, so that fixtures can hold the numbers
d2l-ts is meant to give where it deliberately differs:
- positions: the book's decoder adds P[:, :steps] to whatever it gets, so in `predict_step`
  (one token per call) every generated token gets P[0]; corrected, the token at step t gets P[t]
  (t = the number of tokens already in block 0's cache);
- the causal mask: the book masks the self-attention only `if self.training`, so a
  full-sequence forward in eval mode lets queries see later tokens; corrected, a block masks
  causally whenever it gets several new tokens (query q after `past` cached keys sees keys
  0 .. past + q), in any mode.
In training mode on a fresh state (no cache) both compute exactly what the book computes.
"""

import math

import torch
from torch import nn

from book_torch import AddNorm, MultiHeadAttention, PositionalEncoding, PositionWiseFFN
from book_seq2seq_torch import AttentionDecoder, Encoder


# ---- 11.7 (sec_transformer): the encoder ----------------------------------------------------------

class TransformerEncoderBlock(nn.Module):
    """The Transformer encoder block."""

    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias=False):
        super().__init__()
        self.attention = MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


class TransformerEncoder(Encoder):
    """The Transformer encoder."""

    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout,
                 use_bias=False):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module("block" + str(i), TransformerEncoderBlock(
                num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias))

    def forward(self, X, valid_lens):
        # Since positional encoding values are between -1 and 1, the embedding values are
        # multiplied by the square root of the embedding dimension to rescale before they are
        # summed up
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        self.attention_weights = [None] * len(self.blks)
        for i, blk in enumerate(self.blks):
            X = blk(X, valid_lens)
            self.attention_weights[i] = blk.attention.attention.attention_weights
        return X


# ---- 11.7: the decoder ----------------------------------------------------------------------------

class TransformerDecoderBlock(nn.Module):
    # The i-th block in the Transformer decoder
    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, i):
        super().__init__()
        self.i = i
        self.attention1 = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.attention2 = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm2 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens, dropout)

    def forward(self, X, state):
        enc_outputs, enc_valid_lens = state[0], state[1]
        # During training, all the tokens of any output sequence are processed at the same time,
        # so state[2][self.i] is None as initialized. When decoding any output sequence token by
        # token during prediction, state[2][self.i] contains representations of the decoded
        # output at the i-th block up to the current time step
        if state[2][self.i] is None:
            key_values = X
        else:
            key_values = torch.cat((state[2][self.i], X), dim=1)
        state[2][self.i] = key_values
        if self.training:
            batch_size, num_steps, _ = X.shape
            # Shape of dec_valid_lens: (batch_size, num_steps), where every row is
            # [1, 2, ..., num_steps]
            dec_valid_lens = torch.arange(1, num_steps + 1, device=X.device).repeat(batch_size, 1)
        else:
            dec_valid_lens = None
        # Self-attention
        X2 = self.attention1(X, key_values, key_values, dec_valid_lens)
        Y = self.addnorm1(X, X2)
        # Encoder-decoder attention. Shape of enc_outputs: (batch_size, num_steps, num_hiddens)
        Y2 = self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens)
        Z = self.addnorm2(Y, Y2)
        return self.addnorm3(Z, self.ffn(Z)), state


class TransformerDecoder(AttentionDecoder):
    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.num_blks = num_blks
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module("block" + str(i), self.make_block(
                num_hiddens, ffn_num_hiddens, num_heads, dropout, i))
        self.dense = nn.LazyLinear(vocab_size)

    # not in the book: lets CausalTransformerDecoder put its own blocks in the same places
    def make_block(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, i):
        return TransformerDecoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, i)

    def init_state(self, enc_outputs, enc_valid_lens):
        return [enc_outputs, enc_valid_lens, [None] * self.num_blks]

    def forward(self, X, state):
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        self._attention_weights = [[None] * len(self.blks) for _ in range(2)]
        for i, blk in enumerate(self.blks):
            X, state = blk(X, state)
            # Decoder self-attention weights
            self._attention_weights[0][i] = blk.attention1.attention.attention_weights
            # Encoder-decoder attention weights
            self._attention_weights[1][i] = blk.attention2.attention.attention_weights
        return self.dense(X), state

    @property
    def attention_weights(self):
        return self._attention_weights


# ---- d2l-ts's corrections (see the module's docstring) --------------------------------------------

class CausalTransformerDecoderBlock(TransformerDecoderBlock):
    """The book's block, masked causally whenever it gets several new tokens, in any mode."""

    def forward(self, X, state):
        enc_outputs, enc_valid_lens = state[0], state[1]
        cached = state[2][self.i]
        past = 0 if cached is None else cached.shape[1]
        key_values = X if cached is None else torch.cat((cached, X), dim=1)
        state[2][self.i] = key_values
        batch_size, num_steps, _ = X.shape
        if num_steps > 1:
            # query q (after `past` cached keys) sees keys 0 .. past + q
            dec_valid_lens = torch.arange(past + 1, past + num_steps + 1).repeat(batch_size, 1)
        else:
            dec_valid_lens = None  # one new token sees every cached key
        Y = self.addnorm1(X, self.attention1(X, key_values, key_values, dec_valid_lens))
        Z = self.addnorm2(Y, self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens))
        return self.addnorm3(Z, self.ffn(Z)), state


class OffsetPositionalEncoding(PositionalEncoding):
    """The book's PositionalEncoding, adding rows offset .. offset + steps - 1 of P."""
    offset = 0

    def forward(self, X):
        X = X + self.P[:, self.offset:self.offset + X.shape[1], :].to(X.device)
        return self.dropout(X)


class CausalTransformerDecoder(TransformerDecoder):
    """The book's decoder with causal blocks, giving the token at step t the encoding P[t]."""

    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout):
        super().__init__(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout)
        self.pos_encoding = OffsetPositionalEncoding(num_hiddens, dropout)

    def make_block(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, i):
        return CausalTransformerDecoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, i)

    def forward(self, X, state):
        # t = the tokens block 0 has already seen
        self.pos_encoding.offset = 0 if state[2][0] is None else state[2][0].shape[1]
        return super().forward(X, state)
