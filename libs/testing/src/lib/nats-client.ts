/**
 * A raw NATS client, for tests that check what the broker lets a client do (authorization, permissions) rather than
 * what our apps do through JetStreamService. Outside libs/platform, tests get the `nats` package only from here
 * (an eslint rule: no-restricted-imports in eslint.config.mjs).
 */
export { connect as connectNats } from 'nats';
export type { ConnectionOptions, NatsConnection } from 'nats';
