export * from './config';
export * from './logging';
export * from './metrics';
export * from './health';
export * from './bootstrap';
export * from './messaging';
export * from './messaging-topology';
export * from './platform-imports';
