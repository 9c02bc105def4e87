import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from './config-schema';
import { loadConfig } from './load-config';

describe('the semantic service settings', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-semantic-config-'));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  function load(yaml: string) {
    const file = path.join(directory, 'switchyard.yaml');
    writeFileSync(file, yaml);
    return loadConfig(file, {}, { role: 'semantic' }).config;
  }

  it('default to the loopback address and a 30 s deadline per call', () => {
    const config = configSchema.parse({});
    expect(config.services.semantic).toBe('127.0.0.1:50054');
    expect(config.semanticService).toStrictEqual({ callTimeoutMs: 30_000 });
  });

  it('take the address and deadline from the file', () => {
    const config = load('services:\n  semantic: dns:///semantic:50054\nsemanticService:\n  callTimeoutMs: 2000\n');
    expect(config.services.semantic).toBe('dns:///semantic:50054');
    expect(config.semanticService.callTimeoutMs).toBe(2_000);
  });

  it('refuse a deadline that is not a positive whole number, or an unknown setting, naming the path', () => {
    expect(() => load('semanticService:\n  callTimeoutMs: 0\n')).toThrow(/semanticService\.callTimeoutMs/);
    expect(() => load('semanticService:\n  timeout: 5\n')).toThrow(/semanticService.*timeout/);
  });

  it('need no secret for the semantic role, whatever the providers refer to', () => {
    const config = load('providers:\n  openai: { kind: openai, apiKey: "${UNSET_OPENAI_KEY}", models: ["*"] }\n');
    expect(config.providers.openai.apiKey).toBe('${UNSET_OPENAI_KEY}');
  });
});
