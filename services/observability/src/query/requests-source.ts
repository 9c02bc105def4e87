import type { eventsV1 } from '@switchyard/proto';
import { requestColumns } from '../storage/event-rows';
import type { SqlParameters } from './request-filter';

/**
 * What a query reads as `requests`: the table, or, with records read back
 * from cold storage, the table and those records together (passed as one
 * array parameter per column, as the store inserts them), under the same
 * name and columns, so filters, scope, keyset pages and aggregates are the
 * same SQL over both.
 */
export function requestsSource(parameters: SqlParameters, cold: readonly eventsV1.RequestCompleted[] = []): string {
  if (cold.length === 0) return 'requests';
  const names = requestColumns.map((column) => column.name).join(', ');
  const arrays = requestColumns.map((column) => `${parameters.add(cold.map((event) => column.value(event)))}::${column.type}[]`).join(', ');
  const values = requestColumns.map((column) =>
    column.cast !== undefined ? `${column.name}::${column.cast}` : column.name === 'event_id' ? 'event_id COLLATE "C"' : column.name,
  );
  return `(SELECT ${names} FROM requests UNION ALL SELECT ${values.join(', ')} FROM unnest(${arrays}) AS cold(${names})) AS requests`;
}
