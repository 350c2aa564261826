export * from './load-config';
export * from './common-env';
export * from './config.module';
export * from './env-transforms';
export * from './env-validators';
