export * from './lib/datasets';
export * from './lib/decimal';
export * from './lib/metrics';
export * from './lib/time';
export * from './lib/records';
export * from './lib/validate';
export * from './lib/classify';
export { MAX_ABS_NUMBER } from './lib/schema';
export * from './lib/subscription-status';
