import { z } from 'zod';

/**
 * The web dashboard (`/ui`). The gateway serves it on its own port, where
 * the API is too. The observability service serves it on its metrics port
 * (`observability.metricsPort`) in distributed mode; the page then calls
 * the gateway's API at `apiOrigin`, which must list the dashboard's origin
 * in `server.cors.allowedOrigins` (the live tail's WebSocket checks that
 * list too).
 */
export const dashboardConfigSchema = z
  .strictObject({
    /** The gateway's public origin (`https://switchyard.example.com`), for a dashboard served by the observability service. */
    apiOrigin: z
      .string()
      .url()
      .refine((value) => /^https?:\/\/[^/]+$/.test(value.replace(/\/+$/, '')), 'must be an origin: scheme, host and port, no path')
      .optional(),
  })
  .prefault({});

export type DashboardConfig = z.infer<typeof dashboardConfigSchema>;
