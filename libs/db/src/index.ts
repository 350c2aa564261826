export * from './lib/entities';
export * from './lib/migrations';
export * from './lib/data-source';
export * from './lib/db.module';
export * from './lib/local-date';
export * from './lib/attribution-window';
export * from './lib/entity-latest';
export * from './lib/automation-facts';
