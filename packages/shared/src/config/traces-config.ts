import { z } from 'zod';

/**
 * Traces that applications send (`POST /v1/traces`, OTLP/HTTP). The wire
 * size of a request is bounded by `server.bodyLimitBytes`; these bound what
 * it holds once decompressed.
 */
export const tracesConfigSchema = z
  .strictObject({
    ingestion: z
      .strictObject({
        /** Largest OTLP request once decompressed (413 past it): a small gzip body cannot grow without bound. */
        maxDecompressedBytes: z
          .number()
          .int()
          .positive()
          .default(16 * 1024 * 1024),
        /** Spans one request may carry; past it the request is a 413 (an exporter then sends smaller batches). */
        maxSpansPerRequest: z.number().int().positive().default(10_000),
        /** A span whose attributes take more than this as JSON is rejected (counted in OTLP's `rejected_spans`). */
        maxAttributeBytesPerSpan: z
          .number()
          .int()
          .positive()
          // Kept well under an event's 1 MB, so a span always fits in one.
          .max(512 * 1024)
          .default(64 * 1024),
      })
      .prefault({}),
  })
  .prefault({});

export type TracesConfig = z.infer<typeof tracesConfigSchema>;
