export * from './lib/series';
export * from './lib/stats';
export * from './lib/profile';
export * from './lib/model';
export * from './lib/pacing';
export * from './lib/cap-cost';
export * from './lib/baseline';
export * from './lib/fit-set';
