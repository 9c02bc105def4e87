import { hashAuditRecord, normaliseEntry, redactSnapshot, type AuditEntry } from './audit-record';

const actor = { kind: 'jwt', subject: 'alice', keyId: '', organization: 'acme' } as const;

describe('redactSnapshot', () => {
  it('replaces secret-named members and scrubs key-like strings, keeping what describes a secret', () => {
    expect(
      redactSnapshot({
        id: 'key_1',
        key: 'sk-sy-shownonce0123456789',
        keyId: 'key_1',
        keyPrefix: 'sk-sy-ab',
        apiKey: 'whatever',
        client_secret: 'x',
        adminToken: 'y',
        value: 'the credential',
        secretName: 'production',
        limits: { maxTokens: 10, tokensPerMinute: 1000 },
        note: 'rotated from sk-proj-abcdefghijklmnop',
        createdAt: new Date('2026-01-02T03:04:05.678Z'),
        tags: ['a', undefined],
      }),
    ).toEqual({
      id: 'key_1',
      key: '[redacted]',
      keyId: 'key_1',
      // Not a secret by name, but it looks like the start of a key: scrubbed all the same.
      keyPrefix: '[redacted]',
      apiKey: '[redacted]',
      client_secret: '[redacted]',
      adminToken: '[redacted]',
      value: '[redacted]',
      secretName: 'production',
      limits: { maxTokens: 10, tokensPerMinute: 1000 },
      note: 'rotated from [redacted]',
      createdAt: '2026-01-02T03:04:05.678Z',
      tags: ['a', null],
    });
  });
});

describe('normaliseEntry', () => {
  const entry: AuditEntry = { actor, action: 'keys.create', outcome: 'success' };

  it('fills absent fields with null, so the stored record hashes the same when read back', () => {
    expect(normaliseEntry(entry)).toEqual({
      actor,
      action: 'keys.create',
      outcome: 'success',
      workspace: null,
      target: null,
      source: { ip: null, userAgent: null },
      before: null,
      after: null,
      reason: null,
      requestId: null,
    });
  });

  it.each([['Keys.Create'], ['keys'], ['keys.create; DROP TABLE audit_records'], ['']])('refuses the action %j', (action) => {
    expect(() => normaliseEntry({ ...entry, action })).toThrow('An audit action is <area>.<verb>');
  });

  it('refuses an unknown outcome, and bounds long text', () => {
    expect(() => normaliseEntry({ ...entry, outcome: 'maybe' as never })).toThrow('An audit outcome is success, failure or denied');
    expect(normaliseEntry({ ...entry, source: { userAgent: 'u'.repeat(2000) } }).source.userAgent).toHaveLength(512);
  });

  it('scrubs a reason that quotes a key', () => {
    expect(normaliseEntry({ ...entry, outcome: 'denied', reason: 'unknown key sk-sy-0123456789abcdef' }).reason).toBe('unknown key [redacted]');
  });
});

describe('hashAuditRecord', () => {
  it('changes with any field and ignores the hash field itself', () => {
    const record = {
      sequence: 1,
      occurredAt: '2026-01-01T00:00:00.000Z',
      ...normaliseEntry({ actor, action: 'keys.create', outcome: 'success' }),
      previousHash: '0'.repeat(64),
    };
    const hash = hashAuditRecord(record);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashAuditRecord({ ...record, hash: 'anything' })).toBe(hash);
    expect(hashAuditRecord({ ...record, sequence: 2 })).not.toBe(hash);
    expect(hashAuditRecord({ ...record, actor: { ...actor, subject: 'mallory' } })).not.toBe(hash);
  });
});
