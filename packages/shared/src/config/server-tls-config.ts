import { z } from 'zod';

/**
 * `server.tls`: the gateway serves HTTPS itself, with this certificate and
 * key (PEM files), instead of plain HTTP. The files are read at start and
 * again every `reloadIntervalMs`: a renewed certificate (cert-manager,
 * certbot) is served to new connections without a restart.
 */
export const serverTlsSchema = z.strictObject({
  /** Certificate chain (PEM): the server's certificate first, then its intermediates. */
  cert: z.string({ error: 'is required: the path of the certificate chain (PEM)' }).min(1),
  /** The private key (PEM) of `cert`. */
  key: z.string({ error: 'is required: the path of the private key (PEM) of server.tls.cert' }).min(1),
  /** How often the files are checked for a renewed certificate. */
  reloadIntervalMs: z.number().int().positive().default(10_000),
});

export type ServerTlsConfig = z.infer<typeof serverTlsSchema>;
