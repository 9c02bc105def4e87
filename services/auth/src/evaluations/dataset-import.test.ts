import { isGatewayError } from '@switchyard/shared';
import { parseCsv, parseItems } from './dataset-import';

function errorOf(work: () => unknown): { message: string; param: string | null } {
  try {
    work();
  } catch (error) {
    if (isGatewayError(error)) return { message: error.message, param: error.param ?? null };
    throw error;
  }
  throw new Error('expected a 400');
}

describe('dataset import', () => {
  it('reads RFC 4180 CSV: quotes, doubled quotes, commas and line breaks inside fields, CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nagain"\n\n1,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nagain'],
      ['1', ''],
    ]);
  });

  it('maps CSV columns: input.<name> to variables, expected_output, the rest to metadata', () => {
    expect(parseItems({ csv: 'input.city,input.days,expected_output,metadata.tier,owner\nParis,3,ok,gold,ann' })).toEqual([
      { input: { city: 'Paris', days: '3' }, expectedOutput: 'ok', metadata: { tier: 'gold', owner: 'ann' } },
    ]);
    expect(parseItems({ csv: 'input\nhello' })).toEqual([{ input: 'hello', expectedOutput: undefined, metadata: {} }]);
  });

  it('reads JSONL, skipping blank lines, keeping structured inputs and outputs', () => {
    const items = parseItems({ jsonl: '{"input":{"q":"a"},"expected_output":{"n":1}}\n\n{"input":[{"role":"user","content":"hi"}]}\n' });
    expect(items).toEqual([
      { input: { q: 'a' }, expectedOutput: { n: 1 }, metadata: {} },
      { input: [{ role: 'user', content: 'hi' }], expectedOutput: undefined, metadata: {} },
    ]);
  });

  it.each([
    [{}, 'Give exactly one of'],
    [{ items: [], csv: 'input\nx' }, 'Give exactly one of'],
    [{ jsonl: '{"input":"a"}\nnot json' }, 'Line 2'],
    [{ jsonl: '{"expected_output":"a"}' }, 'has no `input`'],
    [{ items: [{ input: 'a', answer: 'b' }] }, 'unknown field `answer`'],
    [{ items: [{ input: 'a', metadata: [] }] }, '`metadata` that is not an object'],
    [{ items: [{ input: 'x'.repeat(40_000) }] }, 'over 32768 characters'],
    [{ csv: 'question,expected_output\nq,a' }, 'needs an `input` column'],
    [{ csv: 'input,input.x\na,b' }, 'both `input` and'],
    [{ csv: 'input,x\na' }, 'row 2 has 1 fields'],
    [{ csv: 'input\n"open' }, 'ends inside a quoted field'],
  ])('refuses %j with a 400 saying why', (body, message) => {
    expect(errorOf(() => parseItems(body)).message).toContain(message);
  });
});
