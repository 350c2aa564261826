export * from './lib/subjects';
export * from './lib/events';
export * from './lib/validate-payload';
export * from './lib/alerting';
export * from './lib/nats-naming';
export * from './lib/nats-permissions';
export * from './lib/nats-server-config';
export * from './lib/nats-config-files';
