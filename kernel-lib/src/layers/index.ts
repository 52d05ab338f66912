// Public exports of the layers folder.
export { Layer } from "./layer";
export { LazyLinear, type LazyLinearOptions } from "./linear";
export { Dropout } from "./dropout";
export { LayerNorm } from "./layer-norm";
export { DotProductAttention, AdditiveAttention } from "./attention";
export { MultiHeadAttention } from "./multi-head-attention";
export { PositionalEncoding } from "./positional-encoding";
export { PositionWiseFFN, AddNorm } from "./transformer-blocks";
export { Embedding } from "./embedding";
export { GRU, LSTM, RecurrentLayer, type RecurrentParameterValues } from "./rnn";
