/**
 * The integration tier (each project's `integration` target, `npm run test:integration`): the project's
 * `*.integration.spec.ts`, the specs that need PostgreSQL, NATS, an SQS endpoint (fauxqs) or a server process of
 * their own (a private nats-server or PostgreSQL, a built app). A project's jest.integration.cts is
 * `require('<root>/jest.integration.js')(require('./jest.config.cts'))`: the unit config with the other half of
 * the specs, so the two tiers together run every spec exactly once.
 */
module.exports = function integrationConfig(unitConfig) {
  return {
    ...unitConfig,
    displayName: `${unitConfig.displayName}:integration`,
    testMatch: ['**/?(*.)+(integration.spec).ts'],
    testPathIgnorePatterns: ['/node_modules/'],
  };
};
