import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The `analytics` section: where the country of each request (the
 * `country` analytics dimension) comes from.
 */
export const analyticsConfigSchema = z
  .strictObject({
    /**
     * A request header that a proxy or CDN in front of Switchyard sets to
     * the client's ISO 3166-1 alpha-2 country (`cf-ipcountry`,
     * `cloudfront-viewer-country`); read first when set. Only name one that
     * the proxy always overwrites: a client could set it otherwise.
     */
    countryHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name: letters, digits and -')
      .transform((name) => name.toLowerCase())
      .optional(),
    /** Without a country from the header, look the client's IPv4 address up in the offline GeoIP table. */
    geoip: z.boolean().default(true),
    /**
     * Addresses of the proxies in front of Switchyard: a request from one of
     * them is located by the last `x-forwarded-for` address that is not one
     * of them. Without any, the connection's own address is the client's.
     */
    trustedProxies: z
      .array(z.string().refine((address) => isIP(address) !== 0, 'an IPv4 or IPv6 address'))
      .max(100)
      .default([]),
  })
  .prefault({});

export type AnalyticsConfig = z.infer<typeof analyticsConfigSchema>;
