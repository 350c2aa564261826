const nxPreset = require('@nx/jest/preset').default;

/**
 * The unit tier (each project's `test` target, `npm run test:unit`): every spec except `*.integration.spec.ts`,
 * runnable with no PostgreSQL, NATS, SQS endpoint or server process of its own. The integration tier is
 * jest.integration.js.
 */
module.exports = { ...nxPreset, testPathIgnorePatterns: ['/node_modules/', '\\.integration\\.spec\\.ts$'] };
