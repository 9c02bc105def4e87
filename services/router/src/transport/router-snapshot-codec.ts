import { create } from '@bufbuild/protobuf';
import { routerV1 } from '@switchyard/proto';
import type { DeploymentStatistics } from '@switchyard/shared';
import type { RouterSnapshot } from '../snapshots/router-snapshot';
import { parseRoutingView } from '../snapshots/routing-view';

export function routerSnapshotToProto(snapshot: RouterSnapshot): routerV1.RouterSnapshot {
  return create(routerV1.RouterSnapshotSchema, {
    version: BigInt(snapshot.version),
    routingJson: JSON.stringify(snapshot.routing),
    discoveredModels: Object.fromEntries(Object.entries(snapshot.discoveredModels).map(([id, models]) => [id, { models: [...models] }])),
    deployments: Object.entries(snapshot.deployments).map(([deploymentId, statistics]) => ({
      deploymentId,
      timeToFirstTokenMs: statistics.timeToFirstTokenMs,
      latencyMs: statistics.latencyMs,
      inFlight: statistics.inFlight,
      samples: BigInt(statistics.samples),
      breakerOpen: statistics.breakerOpen,
    })),
    publishedAtMs: BigInt(snapshot.publishedAtMs),
  });
}

/** Throws `ConfigError` for a routing view the config's schema refuses. */
export function routerSnapshotFromProto(message: routerV1.RouterSnapshot): RouterSnapshot {
  const deployments: Record<string, DeploymentStatistics> = {};
  for (const status of message.deployments) {
    deployments[status.deploymentId] = {
      ...(status.timeToFirstTokenMs !== undefined && { timeToFirstTokenMs: status.timeToFirstTokenMs }),
      ...(status.latencyMs !== undefined && { latencyMs: status.latencyMs }),
      inFlight: status.inFlight,
      samples: Number(status.samples),
      breakerOpen: status.breakerOpen,
    };
  }
  return {
    version: Number(message.version),
    routing: parseRoutingView(message.routingJson),
    discoveredModels: Object.fromEntries(Object.entries(message.discoveredModels).map(([id, list]) => [id, list.models])),
    deployments,
    publishedAtMs: Number(message.publishedAtMs),
  };
}
