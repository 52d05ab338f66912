// Public exports of the seq2seq folder: the encoder–decoder machinery of sections 10.6–10.7 and
// the attention decoder of 11.4.
export {
  Encoder,
  Decoder,
  AttentionDecoder,
  EncoderDecoder,
  type AttentionWeightsOf,
  type EncoderDecoderArg,
} from "./encoder-decoder";
export { initSeq2seq } from "./init";
export { Seq2SeqEncoder, type Seq2SeqEncoderOutput } from "./rnn-encoder";
export { Seq2SeqAttentionDecoder, type Seq2SeqAttentionState } from "./attention-decoder";
export { Seq2Seq } from "./seq2seq";
export { bleu } from "./bleu";
