export * from './server';
export * from './seed';
export * from './faults';
