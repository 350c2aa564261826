export * from './lib/subjects';
export * from './lib/events';
export * from './lib/validate-payload';
export * from './lib/alerting';
export * from './lib/pipeline';
