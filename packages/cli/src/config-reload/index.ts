export * from './config-file-watcher';
export * from './config-reload-metrics';
export * from './config-reloader';
export * from './reloadable-adapter-service';
export * from './reloadable-router-service';
export * from './start-config-reload';
