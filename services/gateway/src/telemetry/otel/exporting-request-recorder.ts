import type { EventPublisher } from '@switchyard/events';
import type { PriceCatalog } from '../price-catalog';
import { RequestRecorder, type RequestOutcome } from '../request-recorder';
import type { OtelExport } from './otel-export';

/** Records each request as usual, then hands it to the OpenTelemetry export (which only queues it). */
export class ExportingRequestRecorder extends RequestRecorder {
  constructor(
    publisher: EventPublisher,
    prices: PriceCatalog,
    private readonly otel: OtelExport,
  ) {
    super(publisher, prices);
  }

  override record(outcome: RequestOutcome): void {
    super.record(outcome);
    this.otel.export(outcome);
  }
}
