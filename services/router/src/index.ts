export * from './model-catalog';
export * from './strategies';
export * from './route-resolver';
export * from './deployment-profiles';
export * from './statistics';
export * from './router-service';
export * from './discovered-models-follower';
export * from './transport';
