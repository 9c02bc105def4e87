export * from './model-catalog';
export * from './strategies';
export * from './route-resolver';
export * from './router-service';
export * from './discovered-models-follower';
export * from './snapshots';
export * from './transport';
