import { parseJsonPath, StreamedFunctionCallArguments } from './gemini-function-call-arguments';

describe('StreamedFunctionCallArguments', () => {
  it('parses JSON paths with keys and indexes', () => {
    expect(parseJsonPath('$.recipe.ingredients[0].name')).toEqual(['recipe', 'ingredients', 0, 'name']);
    expect(parseJsonPath('$.matrix[1][2]')).toEqual(['matrix', 1, 2]);
  });

  it('builds every kind of leaf, appending continued strings', () => {
    const args = new StreamedFunctionCallArguments();
    args.add([{ jsonPath: '$.note', stringValue: 'Hel', willContinue: true }]);
    args.add([
      { jsonPath: '$.note', stringValue: 'lo' },
      { jsonPath: '$.count', numberValue: 2 },
    ]);
    args.add([
      { jsonPath: '$.flags[0]', boolValue: false },
      { jsonPath: '$.nothing', nullValue: null },
    ]);
    expect(JSON.parse(args.toJson())).toEqual({ note: 'Hello', count: 2, flags: [false], nothing: null });
    expect(new StreamedFunctionCallArguments().toJson()).toBe('{}');
  });

  it('keeps a __proto__ key as data', () => {
    const args = new StreamedFunctionCallArguments();
    args.add([{ jsonPath: '$.__proto__.polluted', stringValue: 'yes' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(args.toJson()).toBe('{"__proto__":{"polluted":"yes"}}');
  });
});
