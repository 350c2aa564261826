export * from './bootstrap';
export * from './query-validation.pipe';
export * from './periodic-task';
