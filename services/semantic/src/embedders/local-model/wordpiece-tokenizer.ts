/**
 * BERT's tokenizer, read from the model's own `tokenizer.json` (Hugging Face
 * `tokenizers` format): BertNormalizer (clean text, space out CJK characters,
 * strip accents, lowercase), BertPreTokenizer (split on whitespace and
 * punctuation) and greedy longest-match WordPiece with a `##` continuation
 * prefix, wrapped in `[CLS] … [SEP]`.
 */
export interface TokenizerJson {
  normalizer?: { type?: string; lowercase?: boolean; strip_accents?: boolean | null; handle_chinese_chars?: boolean; clean_text?: boolean } | null;
  model: { type?: string; vocab: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string; max_input_chars_per_word?: number };
}

const CONTROL = /[\p{Cc}\p{Cf}]/u;
const WHITESPACE = /[\s\p{Zs}]/u;
const PUNCTUATION = /[\p{P}!-/:-@[-`{-~]/u;
const MARK = /\p{Mn}/gu;

export class WordPieceTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly unknownId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  private readonly prefix: string;
  private readonly maxWordCharacters: number;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;
  private readonly spaceChinese: boolean;
  private readonly cleanText: boolean;

  constructor(json: TokenizerJson) {
    if (json.model?.type !== undefined && json.model.type !== 'WordPiece') {
      throw new Error(`tokenizer.json holds a ${json.model.type} model; this embedder reads WordPiece (BERT) tokenizers`);
    }
    this.vocab = new Map(Object.entries(json.model.vocab));
    const id = (token: string) => {
      const value = this.vocab.get(token);
      if (value === undefined) throw new Error(`tokenizer.json has no ${token} token`);
      return value;
    };
    this.unknownId = id(json.model.unk_token ?? '[UNK]');
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.padId = this.vocab.get('[PAD]') ?? 0;
    this.prefix = json.model.continuing_subword_prefix ?? '##';
    this.maxWordCharacters = json.model.max_input_chars_per_word ?? 100;
    const normalizer = json.normalizer ?? {};
    this.lowercase = normalizer.lowercase ?? true;
    // `null` follows `lowercase`, as in BERT's original tokenizer.
    this.stripAccents = normalizer.strip_accents ?? this.lowercase;
    this.spaceChinese = normalizer.handle_chinese_chars ?? true;
    this.cleanText = normalizer.clean_text ?? true;
  }

  /** Token ids of `text` with `[CLS]` and `[SEP]`, at most `maxTokens` in all (the text is cut, `[SEP]` kept). */
  encode(text: string, maxTokens: number): number[] {
    const ids = [this.clsId];
    const limit = maxTokens - 1;
    for (const word of this.words(this.normalize(text))) {
      for (const id of this.wordPieces(word)) {
        if (ids.length >= limit) break;
        ids.push(id);
      }
      if (ids.length >= limit) break;
    }
    ids.push(this.sepId);
    return ids;
  }

  normalize(text: string): string {
    let out = '';
    for (const character of text) {
      const code = character.codePointAt(0)!;
      if (this.cleanText) {
        if (code === 0 || code === 0xfffd) continue;
        if (character === '\t' || character === '\n' || character === '\r' || WHITESPACE.test(character)) {
          out += ' ';
          continue;
        }
        if (CONTROL.test(character)) continue;
      }
      if (this.spaceChinese && isChinese(code)) out += ` ${character} `;
      else out += character;
    }
    if (this.stripAccents) out = out.normalize('NFD').replace(MARK, '');
    if (this.lowercase) out = out.toLowerCase();
    return out;
  }

  /** Whitespace-separated words, each punctuation character a word of its own. */
  private *words(text: string): Generator<string> {
    let current = '';
    for (const character of text) {
      if (WHITESPACE.test(character)) {
        if (current) yield current;
        current = '';
      } else if (PUNCTUATION.test(character)) {
        if (current) yield current;
        current = '';
        yield character;
      } else {
        current += character;
      }
    }
    if (current) yield current;
  }

  private wordPieces(word: string): number[] {
    const characters = Array.from(word);
    if (characters.length > this.maxWordCharacters) return [this.unknownId];
    const pieces: number[] = [];
    let start = 0;
    while (start < characters.length) {
      let end = characters.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? this.prefix : '') + characters.slice(start, end).join('');
        found = this.vocab.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unknownId];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}

function isChinese(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x20000 && code <= 0x2a6df) ||
    (code >= 0x2a700 && code <= 0x2b73f) ||
    (code >= 0x2b740 && code <= 0x2b81f) ||
    (code >= 0x2b820 && code <= 0x2ceaf) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x2f800 && code <= 0x2fa1f)
  );
}
