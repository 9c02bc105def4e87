import { Gauge, type Registry } from 'prom-client';
import type { SnapshotFollowerMetrics } from '@switchyard/router';

/** A gateway's view of the control plane, in its own registry. */
export function routerSnapshotMetrics(registry: Registry): SnapshotFollowerMetrics {
  const version = new Gauge({
    name: 'switchyard_router_snapshot_version',
    help: 'Version of the router snapshot this gateway resolves routes from (0 before the first).',
    registers: [registry],
  });
  const stale = new Gauge({
    name: 'switchyard_router_snapshot_stale',
    help: '1 while routes come from the last snapshot because the router cannot be reached, else 0.',
    registers: [registry],
  });
  version.set(0);
  stale.set(0);
  return {
    applied: (applied) => version.set(applied),
    stale: (isStale) => stale.set(isStale ? 1 : 0),
  };
}
