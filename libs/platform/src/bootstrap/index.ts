export * from './bootstrap';
export * from './query-validation.pipe';
