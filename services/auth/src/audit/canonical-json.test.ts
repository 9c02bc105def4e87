import { createHash } from 'node:crypto';
import { canonicalJson, CanonicalJsonError } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts members by name, recursively, with no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}');
  });

  it('gives the same text for the same value built in a different order', () => {
    const one = { action: 'keys.create', actor: { subject: 'alice', kind: 'jwt' }, sequence: 7 };
    const other = { sequence: 7, actor: { kind: 'jwt', subject: 'alice' }, action: 'keys.create' };
    expect(canonicalJson(one)).toBe(canonicalJson(other));
  });

  it("sorts by UTF-16 code units, RFC 8785's example", () => {
    // RFC 8785 section 3.2.3: the members of this object in their canonical order.
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read from the text: parsing it back would put the integer-like name first again.
    const names = [...canonicalJson(value).matchAll(/"((?:[^"\\]|\\.)*)":"/g)].map((match) => JSON.parse(`"${match[1]}"`));
    expect(names).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it("writes numbers in ECMAScript's shortest form, -0 as 0", () => {
    expect(canonicalJson([0.1, 1e21, 1e-7, -0, 100, 333333333.3333333, 4.5])).toBe('[0.1,1e+21,1e-7,0,100,333333333.3333333,4.5]');
  });

  it('escapes only what JSON requires in strings', () => {
    expect(canonicalJson({ text: 'quote " backslash \\ newline \n tab \t bell \u0007 euro \u20ac slash /' })).toBe(
      '{"text":"quote \\" backslash \\\\ newline \\n tab \\t bell \\u0007 euro \u20ac slash /"}',
    );
  });

  it('leaves out members whose value is undefined', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it.each([
    ['NaN', { n: Number.NaN }, '$.n'],
    ['Infinity', [Number.POSITIVE_INFINITY], '$[0]'],
    ['undefined in an array', [1, undefined], '$[1]'],
    ['a Date', { at: new Date(0) }, '$.at'],
    ['a BigInt', { big: BigInt(1) }, '$.big'],
    ['a function', { run: () => 1 }, '$.run'],
  ])('refuses %s, naming where it is', (_, value, path) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(value)).toThrow(`${path}:`);
  });

  it('hashes to a fixed SHA-256, so a record hashed today verifies tomorrow', () => {
    const text = canonicalJson({ sequence: 1, previousHash: '0'.repeat(64), action: 'audit.test' });
    expect(text).toBe(`{"action":"audit.test","previousHash":"${'0'.repeat(64)}","sequence":1}`);
    // Computed once with `sha256sum`; a change here means every stored chain would stop verifying.
    expect(createHash('sha256').update(text, 'utf8').digest('hex')).toBe('3776e23aca9a5f0df3f593d4a859f50fe7fb31d4a468b09b29c69418d3aa4fab');
  });
});
