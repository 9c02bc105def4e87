/**
 * Random mutations of valid gateway requests, for the fuzz suite: the body's JSON (values replaced by
 * hostile ones, keys dropped or added, deep nesting, huge arrays), its raw bytes (cut, flipped, invalid
 * UTF-8) and the headers a client controls. Deterministic for a seed, so a failing case can be replayed.
 */

export interface FuzzRequest {
  path: '/v1/chat/completions' | '/v1/embeddings';
  headers: Record<string, string>;
  /** Raw bytes sent as the body. */
  body: Buffer;
  /** Whether the base request asked for a stream (a mutation may have changed it). */
  stream: boolean;
  /** What was done, for the failure message. */
  mutations: string[];
}

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

function baseRequests(): Array<{ path: FuzzRequest['path']; body: Record<string, unknown> }> {
  return [
    { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] } },
    {
      path: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Say hello' },
        ],
      },
    },
    {
      path: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        tools: TOOLS,
        tool_choice: 'auto',
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 21}' },
        ],
      },
    },
    {
      path: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        stream: true,
        tools: TOOLS,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'answer', schema: { type: 'object', properties: { text: { type: 'string' } } } },
        },
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Describe' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
        ],
      },
    },
    { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'The food was delicious' } },
    { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['one', 'two', 'three'], encoding_format: 'base64' } },
  ];
}

/** Strings a hostile client sends: unpaired surrogates, NUL, control and bidi characters, huge ones. */
function hostileString(random: () => number): string {
  const choices = [
    () => '',
    () => '\ud800',
    () => 'a\u0000b',
    () => '\r\n\t\u0007',
    () => 'gpt-4o-mini-ж',
    () => '\u202e\u200b\ufeff',
    () => '😀'.repeat(1 + Math.floor(random() * 50)),
    () => 'x'.repeat(Math.floor(random() * 70_000)),
    () => '../../etc/passwd',
    () => "'; drop table requests; --",
    () => '${OPENAI_API_KEY}',
    () => '%00%E0%A4%A',
    () => 'claude-sonnet-4-5',
    () => 'does-not-exist',
  ];
  return choices[Math.floor(random() * choices.length)]();
}

/**
 * Deep nesting is written as text: JSON.stringify itself overflows the stack past ~10k levels. The mutator
 * puts a marker in the body and `serialise` replaces it.
 */
const DEEP_MARKER = /"__deep_(\d+)__"/g;

function nestedMarker(depth: number): string {
  return `__deep_${depth}__`;
}

function nestedText(depth: number): string {
  return '{"nested":['.repeat(depth) + '{"type":"string"}' + ']}'.repeat(depth);
}

function serialise(body: unknown): Buffer {
  return Buffer.from(JSON.stringify(body).replace(DEEP_MARKER, (_, depth: string) => nestedText(Number(depth))));
}

function hostileValue(random: () => number): unknown {
  const choices = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1e308,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => 0.5,
    () => hostileString(random),
    () => [],
    () => {
      const count = Math.floor(random() * 5_000);
      return Array.from({ length: count }, (_, index) => `item ${index}`);
    },
    () => ({}),
    () => ({ unexpected: hostileString(random) }),
    () => nestedMarker(Math.floor(random() * 20_000)),
  ];
  return choices[Math.floor(random() * choices.length)]();
}

type Container = Record<string, unknown> | unknown[];

/** What repeating an array's first item may add to a body: just past the gateway's default body limit (4 MiB). */
const MAX_REPEATED_BYTES = 5 * 1024 * 1024;

/** Every (container, key) in the body, so one can be picked at random. */
function slots(value: unknown, into: Array<{ container: Container; key: string | number; path: string }>, path = ''): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      into.push({ container: value, key: index, path: `${path}[${index}]` });
      slots(item, into, `${path}[${index}]`);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const itemPath = path ? `${path}.${key}` : key;
      into.push({ container: value as Record<string, unknown>, key, path: itemPath });
      slots(item, into, itemPath);
    }
  }
}

function mutateJson(body: Record<string, unknown>, random: () => number, mutations: string[]): void {
  const all: Array<{ container: Container; key: string | number; path: string }> = [];
  slots(body, all);
  if (all.length === 0) {
    // Every key was deleted by an earlier mutation: there is only the body itself to add to.
    body.model = hostileString(random);
    mutations.push('add "model" to an empty body');
    return;
  }
  const slot = all[Math.floor(random() * all.length)];
  const action = random();
  if (action < 0.55) {
    const value = hostileValue(random);
    (slot.container as Record<string | number, unknown>)[slot.key] = value;
    mutations.push(`set ${slot.path} to ${describe(value)}`);
  } else if (action < 0.75) {
    if (Array.isArray(slot.container)) slot.container.splice(slot.key as number, 1);
    else delete slot.container[slot.key as string];
    mutations.push(`delete ${slot.path}`);
  } else if (action < 0.9) {
    const key =
      random() < 0.5 ? hostileString(random).slice(0, 40) : ['logprobs', 'n', 'seed', 'user', 'metadata', 'store'][Math.floor(random() * 6)];
    const target = Array.isArray(slot.container) ? body : slot.container;
    const value = hostileValue(random);
    target[key] = value;
    mutations.push(`add ${JSON.stringify(key.slice(0, 20))} = ${describe(value)}`);
  } else {
    const value = slot.container[slot.key as never] as unknown;
    if (Array.isArray(value)) {
      // Past a few times the body limit, a bigger body tests nothing more: it only costs the test's time.
      const itemBytes = (JSON.stringify(value[0]) ?? 'null').length + 1;
      const copies = Math.min(Math.floor(random() * 3_000), Math.floor(MAX_REPEATED_BYTES / itemBytes));
      for (let index = 0; index < copies; index++) value.push(value[0]);
      mutations.push(`repeat ${slot.path}[0] ${copies} times`);
    } else {
      (slot.container as Record<string | number, unknown>)[slot.key] = [value, value];
      mutations.push(`wrap ${slot.path} in an array`);
    }
  }
}

function mutateBytes(bytes: Buffer, random: () => number, mutations: string[]): Buffer {
  const action = random();
  if (action < 0.35) {
    const cut = Math.floor(random() * bytes.length);
    mutations.push(`cut the body at byte ${cut}`);
    return bytes.subarray(0, cut);
  }
  if (action < 0.7) {
    const copy = Buffer.from(bytes);
    const at = Math.floor(random() * copy.length);
    copy[at] = Math.floor(random() * 256);
    mutations.push(`byte ${at} set to ${copy[at]}`);
    return copy;
  }
  const at = Math.floor(random() * bytes.length);
  const invalid = [Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x00])][Math.floor(random() * 4)];
  mutations.push(`inserted ${invalid.toString('hex')} at byte ${at}`);
  return Buffer.concat([bytes.subarray(0, at), invalid, bytes.subarray(at)]);
}

function mutateHeaders(headers: Record<string, string>, random: () => number, mutations: string[]): void {
  const choices: Array<[string, () => string]> = [
    [
      'content-type',
      () =>
        ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', '', 'application/jsonx'][Math.floor(random() * 5)],
    ],
    [
      'x-switchyard-metadata',
      () => ['{"a":"\\ud800"}', '{"a":1}', '[1,2]', 'not json', `{"k":"${'v'.repeat(Math.floor(random() * 20_000))}"}`][Math.floor(random() * 5)],
    ],
    ['x-request-id', () => ['', 'a'.repeat(Math.floor(random() * 10_000)), '../x', 'id with spaces', 'req-1'][Math.floor(random() * 5)]],
    ['x-switchyard-workspace', () => ['', 'team a', 'w'.repeat(Math.floor(random() * 10_000)), 'default'][Math.floor(random() * 4)]],
    ['x-switchyard-session-id', () => 's'.repeat(Math.floor(random() * 10_000))],
    ['traceparent', () => ['00-xyz', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'ff-' + 'f'.repeat(60)][Math.floor(random() * 3)]],
  ];
  const [name, value] = choices[Math.floor(random() * choices.length)];
  // Node refuses control characters in header values on the client side, so only printable ones go out.
  const printable = value().replace(/[^\t\x20-\x7e]/g, '?');
  headers[name] = printable;
  mutations.push(`header ${name}: ${describe(printable)}`);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}… (${text.length} chars)` : text;
}

/** One request: a valid base request with one to three mutations of its JSON, bytes or headers. */
export function fuzzRequest(random: () => number): FuzzRequest {
  const bases = baseRequests();
  const base = bases[Math.floor(random() * bases.length)];
  const mutations: string[] = [`base ${base.path} ${JSON.stringify(base.body).slice(0, 60)}`];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const body = base.body;
  const count = 1 + Math.floor(random() * 3);
  let bytesMutation = false;
  for (let index = 0; index < count; index++) {
    const kind = random();
    if (kind < 0.65) mutateJson(body, random, mutations);
    else if (kind < 0.85) mutateHeaders(headers, random, mutations);
    else bytesMutation = true;
  }
  let bytes = serialise(body);
  if (bytesMutation) bytes = mutateBytes(bytes, random, mutations);
  return { path: base.path, headers, body: bytes, stream: body.stream === true, mutations };
}
