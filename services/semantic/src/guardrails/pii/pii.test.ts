import { passesAbaCheck, passesIbanCheck, passesLuhn, ssnParts } from './checksums';
import { detectPii } from './detect-pii';
import { PiiVault } from './pii-vault';

const typesIn = (text: string) => detectPii(text).map((finding) => [finding.type, text.slice(finding.start, finding.end)]);

describe('checksums', () => {
  it('Luhn accepts real card numbers and refuses a changed digit', () => {
    expect(passesLuhn('4539 1488 0343 6467')).toBe(true);
    expect(passesLuhn('4539 1488 0343 6468')).toBe(false);
  });

  it('IBAN mod-97 checks the country length and the check digits', () => {
    expect(passesIbanCheck('GB29 NWBK 6016 1331 9268 19')).toBe(true);
    expect(passesIbanCheck('FR76 3000 6000 0112 3456 7890 189')).toBe(true);
    expect(passesIbanCheck('GB28 NWBK 6016 1331 9268 19')).toBe(false);
    expect(passesIbanCheck('GB29 NWBK 6016 1331 9268 1')).toBe(false);
    expect(passesIbanCheck('QQ29 NWBK 6016 1331 9268 19')).toBe(false);
  });

  it('ABA routing numbers and the SSA rules', () => {
    expect(passesAbaCheck('021000021')).toBe(true);
    expect(passesAbaCheck('021000022')).toBe(false);
    expect(ssnParts('531-21-7351')).toEqual({ valid: true, itinRange: false });
    expect(ssnParts('666-21-7351').valid).toBe(false);
    expect(ssnParts('531-00-7351').valid).toBe(false);
    expect(ssnParts('531-21-0000').valid).toBe(false);
    expect(ssnParts('912-21-7351')).toEqual({ valid: true, itinRange: true });
  });
});

describe('detectPii', () => {
  it('finds each structured type with its offsets', () => {
    const text = 'Mail ana@example.org, card 4539 1488 0343 6467, IBAN GB29 NWBK 6016 1331 9268 19, ssn 531-21-7351, from 10.0.12.7';
    expect(typesIn(text)).toEqual([
      ['email', 'ana@example.org'],
      ['credit_card', '4539 1488 0343 6467'],
      ['iban', 'GB29 NWBK 6016 1331 9268 19'],
      ['us_ssn', '531-21-7351'],
      ['ip_address', '10.0.12.7'],
    ]);
  });

  it('finds IPv6 addresses and leaves times alone', () => {
    expect(typesIn('server 2001:db8::8a2e:370:7334 at 14:48:14')).toEqual([['ip_address', '2001:db8::8a2e:370:7334']]);
  });

  it('needs context for a bare group of digits to be a phone number', () => {
    expect(typesIn('the parts 027 896 92 86 arrived')).toEqual([]);
    expect(typesIn('call me at 027 896 92 86 tomorrow')).toEqual([['phone', '027 896 92 86']]);
    expect(typesIn('+44 20 7946 0958')).toEqual([['phone', '+44 20 7946 0958']]);
  });

  it('refuses numbers that fail their checksum or rules unless the context names them', () => {
    expect(typesIn('order 4539 1488 0343 6468 shipped')).toEqual([]);
    expect(typesIn('ticket 666-21-7351')).toEqual([]);
    // A 9xx area is an ITIN: an SSN only when the text says so.
    expect(typesIn('reference 912-21-7351')).toEqual([]);
    expect(typesIn('SSN 912-21-7351')).toEqual([['us_ssn', '912-21-7351']]);
  });

  it('raises the score when context words are near', () => {
    const [plain] = detectPii('id 531-21-7351');
    const [named] = detectPii('social security number 531-21-7351');
    expect(named.score).toBeGreaterThan(plain.score);
  });

  it('keeps only the requested types and the best of overlapping candidates', () => {
    expect(typesIn('SSN 531-21-7351')).toEqual([['us_ssn', '531-21-7351']]);
    expect(detectPii('ana@example.org 531-21-7351', { types: ['us_ssn'] }).map((finding) => finding.type)).toEqual(['us_ssn']);
  });
});

describe('PiiVault', () => {
  const text = 'Write to ana@example.org or bo@example.org; again: ana@example.org';

  it('redacts with one placeholder per value and restores them', () => {
    const vault = new PiiVault();
    const redacted = vault.redact(text, detectPii(text));
    expect(redacted).toBe('Write to [EMAIL_1] or [EMAIL_2]; again: [EMAIL_1]');
    expect(vault.restore('Sent to [EMAIL_2] and [EMAIL_1], not [EMAIL_9].')).toBe('Sent to bo@example.org and ana@example.org, not [EMAIL_9].');
  });

  it('restores a stream whose placeholders are split across deltas', () => {
    const vault = new PiiVault();
    vault.redact(text, detectPii(text));
    const restorer = vault.streamRestorer();
    const deltas = ['Sent to [', 'EMA', 'IL_2', '] and [EMAIL_1', ']. [note] a[', '1] b ['];
    const out = deltas.map((delta) => restorer.push(delta));
    out.push(restorer.flush());
    expect(out.join('')).toBe('Sent to bo@example.org and ana@example.org. [note] a[1] b [');
    // Nothing held back longer than needed: the first delta's text before `[` went out at once.
    expect(out[0]).toBe('Sent to ');
  });
});
