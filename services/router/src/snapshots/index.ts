export * from './router-snapshot';
export * from './routing-view';
export * from './snapshot-publisher';
export * from './snapshot-follower';
export * from './snapshot-router-service';
