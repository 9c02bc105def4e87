import { analyticsConfigSchema } from '@switchyard/shared';
import { ClientCountryLocator, geoIpLookup, isPublicIPv4, type CountryLookup } from './client-country';

const config = (fields: object = {}) => analyticsConfigSchema.parse(fields);

/** A lookup that records what it was asked, answering from a small table. */
function recordingLookup(table: Record<string, string> = {}): CountryLookup & { asked: string[] } {
  const asked: string[] = [];
  return Object.assign(
    (ip: string) => {
      asked.push(ip);
      return table[ip];
    },
    { asked },
  );
}

describe('ClientCountryLocator', () => {
  it('finds the country of public IPv4 clients in the offline GeoIP table', () => {
    const locator = new ClientCountryLocator(config(), geoIpLookup());
    expect(locator.locate({}, '8.8.8.8')).toBe('US');
    expect(locator.locate({}, '81.2.69.142')).toBe('GB');
    expect(locator.locate({}, '::ffff:91.198.174.192')).toBe('NL');
  });

  it('never looks up loopback, private, shared or IPv6 clients, nor with GeoIP off', () => {
    const lookup = recordingLookup({ '8.8.8.8': 'US' });
    const locator = new ClientCountryLocator(config(), lookup);
    for (const address of ['127.0.0.1', '::1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '100.64.0.1', '169.254.1.1', '2001:4860::8888', undefined]) {
      expect(locator.locate({}, address)).toBe('');
    }
    expect(lookup.asked).toEqual([]);
    expect(new ClientCountryLocator(config({ geoip: false }), lookup).locate({}, '8.8.8.8')).toBe('');
    expect(lookup.asked).toEqual([]);
  });

  it('takes the configured header first, upper-cased, and ignores what CDNs send for unknown', () => {
    const lookup = recordingLookup({ '8.8.8.8': 'US' });
    const locator = new ClientCountryLocator(config({ countryHeader: 'CF-IPCountry' }), lookup);
    expect(locator.locate({ 'cf-ipcountry': 'de' }, '8.8.8.8')).toBe('DE');
    for (const value of ['XX', 'T1', 'Germany', '', '1A']) expect(locator.locate({ 'cf-ipcountry': value }, '8.8.8.8')).toBe('US');
    expect(locator.locate({}, '8.8.8.8')).toBe('US');
  });

  it('does not believe a header it was not told to read', () => {
    const locator = new ClientCountryLocator(config(), recordingLookup());
    expect(locator.locate({ 'cf-ipcountry': 'DE' }, '127.0.0.1')).toBe('');
  });

  it('behind trusted proxies, locates the last forwarded address that is not a proxy', () => {
    const lookup = recordingLookup({ '8.8.8.8': 'US', '81.2.69.142': 'GB' });
    const locator = new ClientCountryLocator(config({ trustedProxies: ['10.0.0.5', '10.0.0.6'] }), lookup);
    expect(locator.locate({ 'x-forwarded-for': '81.2.69.142, 8.8.8.8, 10.0.0.6' }, '10.0.0.5')).toBe('US');
    expect(locator.locate({ 'x-forwarded-for': '81.2.69.142' }, '::ffff:10.0.0.5')).toBe('GB');
    // From anyone else, a forwarded address is whatever the client wrote: not believed.
    expect(locator.locate({ 'x-forwarded-for': '8.8.8.8' }, '81.2.69.142')).toBe('GB');
    expect(locator.locate({ 'x-forwarded-for': '8.8.8.8' }, '192.168.0.9')).toBe('');
  });

  it('refuses a config that names something other than an address or a header', () => {
    expect(analyticsConfigSchema.safeParse({ trustedProxies: ['proxy.local'] }).error?.issues[0].path).toEqual(['trustedProxies', 0]);
    expect(analyticsConfigSchema.safeParse({ countryHeader: 'cf ipcountry' }).error?.issues[0].path).toEqual(['countryHeader']);
  });
});

describe('isPublicIPv4', () => {
  it.each([
    ['8.8.8.8', true],
    ['100.63.255.255', true],
    ['100.64.0.0', false],
    ['172.15.0.1', true],
    ['172.16.0.1', false],
    ['224.0.0.1', false],
    ['0.1.2.3', false],
    ['::1', false],
  ])('%s: %s', (address, expected) => expect(isPublicIPv4(address)).toBe(expected));
});
