export * from './local-plan-executor';
export * from './back-off';
export * from './execution-errors';
