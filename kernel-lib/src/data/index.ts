// Public exports of the data folder: the translation data of section 10.5 and its vocabulary.
export { Vocab, type VocabTokens, type TokenIds } from "./vocab";
export { MTFraEng, SHIPPED_CORPUS, type MTFraEngOptions, type MTArrays } from "./mt-fra-eng";
export { preprocessNmt, tokenizeNmt } from "./nmt-text";
