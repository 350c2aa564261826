/** The apps of ams-sentinel that talk on NATS (each is one NATS user, see nats-permissions.ts). */
export const NATS_APPS = ['ingestor', 'processor', 'aggregator', 'alerter', 'api', 'connector'] as const;
export type NatsApp = (typeof NATS_APPS)[number];
