/**
 * Who may do what on NATS, defined once from the message catalog (catalog/catalog.ts): what each app
 * publishes, answers, requests, hears and consumes (NATS_USAGE), and from that, for a deployment prefix, the
 * publish/subscribe allow and deny lists of each app's NATS user (natsPermissions). The nats-server configs of
 * docker/ and k8s/ and the launcher's are rendered from it (nats-server-config.ts), and the system test runs the
 * apps under these users, so a permission that is too tight fails a test rather than production.
 *
 * Invariants (nats-permissions.spec.ts):
 * - only the processor may consume the AMS stream (`ams.>`): its durable and the ephemeral consumers of reprocess;
 * - only the owning app may subscribe to its `cmd.<app>.*` subjects; the api is the only one that requests them,
 *   except the operator-only commands (pausing ingestion), which no app may send;
 * - each app receives replies only on its own inbox (`_INBOX.<app>.>`): no app can read another's PubAcks,
 *   replies or pulled messages;
 * - no app may delete or purge a stream, delete a message, or touch a consumer it does not own;
 * - every app may look at, create and update the two streams (each app ensures the topology at start).
 */
import { NATS_APPS, type NatsApp } from './apps';
import {
  ADS_CONNECTION_STATUS,
  ACTIONS_QUEUED,
  ACTIONS_SETTLED,
  ADS_SUBSCRIPTIONS_STATUS,
  AMS_RECORDS,
  BUDGET_USAGE_UPDATED,
  COMMAND_CATALOG,
  EVENT_CATALOG,
  PERF_HOURLY_UPDATED,
  PIPELINE_QUEUE_STATUS,
  STREAMS,
  SUBJECT_FAMILIES,
} from './catalog/catalog';
import type { StreamName } from './catalog/descriptors';
import { natsNames } from './nats-naming';
import { DURABLES } from './subjects';

export { NATS_APPS, type NatsApp } from './apps';

/**
 * The one user that is not an app: a person with the NATS CLI. Needed because pausing and resuming ingestion
 * (`cmd.ingestor.polling.v1`) is an operator's command no app sends; it may also request the other commands and read
 * stream and consumer state, and, like every user, may not delete or purge anything.
 */
export const NATS_OPERATOR = 'operator';
export const NATS_USERS = [...NATS_APPS, NATS_OPERATOR] as const;
export type NatsUser = (typeof NATS_USERS)[number];

export interface DurableUse {
  stream: StreamName;
  durable: string;
  /** Unprefixed filter subject, as the app's ConsumerDefinition has it. */
  filterSubject: string;
}

/** What an app does on NATS (unprefixed subjects from the catalog). */
export interface NatsUsage {
  /** Subjects it publishes to (JetStream publishes included). */
  publishes: string[];
  /** Command subjects it answers (request/reply, in a queue group). */
  answers: string[];
  /** Command subjects it requests. */
  requests: string[];
  /** Subjects it hears on a plain (core) subscription (JetStreamService.subscribeAll). */
  hears: string[];
  /** Durable pull consumers it creates and consumes. */
  durables: DurableUse[];
  /** Streams it reads windows of through ephemeral ordered consumers (JetStreamService.readWindow). */
  readsWindows: StreamName[];
}

/** Commands for an operator (a NATS CLI with an operator's credentials), never sent by an app. */
export const OPERATOR_COMMANDS: readonly string[] = COMMAND_CATALOG.filter((c) => c.sender === 'operator').map(
  (c) => c.subject,
);

const ALL_COMMANDS: string[] = COMMAND_CATALOG.map((c) => c.subject);

/** The commands an app answers: those whose descriptor names it (catalog.spec.ts checks that against the code). */
export function commandsOf(app: NatsApp): string[] {
  return COMMAND_CATALOG.filter((c) => c.app === app).map((c) => c.subject);
}

/** The commands an app sends: those whose descriptor names it as the sender (only the api sends commands). */
export function commandsSentBy(app: NatsApp): string[] {
  return COMMAND_CATALOG.filter((c) => c.sender === app).map((c) => c.subject);
}

/** What an app publishes: the events and subject families whose descriptor names it as the producer. */
export function publishedBy(app: NatsApp): string[] {
  return [
    ...SUBJECT_FAMILIES.filter((f) => f.producer === app).map((f) => f.filter),
    ...EVENT_CATALOG.filter((e) => e.producer === app && !insideFamily(e.subject)).map((e) => e.subject),
  ];
}

function insideFamily(subject: string): boolean {
  return SUBJECT_FAMILIES.some((f) => subject.startsWith(`${f.root}.`));
}

/**
 * What each app does on NATS. Publishes, answers and requests are derived from the descriptors; durables, hearing and
 * windows from reading each app's code (grep consume|consumeBatches|subscribeAll|readWindow).
 */
export const NATS_USAGE: Record<NatsApp, NatsUsage> = {
  ingestor: {
    // ams.<dataset_id> and ams._quarantine; the queues' status for the pipeline-health rules
    publishes: publishedBy('ingestor'),
    answers: commandsOf('ingestor'),
    requests: commandsSentBy('ingestor'),
    hears: [],
    durables: [],
    readsWindows: [],
  },
  processor: {
    publishes: publishedBy('processor'),
    answers: commandsOf('processor'),
    requests: commandsSentBy('processor'),
    hears: [],
    durables: [{ stream: STREAMS.ams.name, durable: DURABLES.processor, filterSubject: AMS_RECORDS.filter }],
    readsWindows: [STREAMS.ams.name],
  },
  aggregator: {
    publishes: publishedBy('aggregator'),
    answers: commandsOf('aggregator'),
    requests: commandsSentBy('aggregator'),
    hears: [],
    durables: [
      { stream: STREAMS.events.name, durable: DURABLES.aggregatorPerf, filterSubject: PERF_HOURLY_UPDATED.subject },
    ],
    readsWindows: [],
  },
  alerter: {
    publishes: publishedBy('alerter'),
    answers: commandsOf('alerter'),
    requests: commandsSentBy('alerter'),
    hears: [],
    durables: [
      { stream: STREAMS.events.name, durable: DURABLES.alerterPerf, filterSubject: PERF_HOURLY_UPDATED.subject },
      { stream: STREAMS.events.name, durable: DURABLES.alerterBudget, filterSubject: BUDGET_USAGE_UPDATED.subject },
      { stream: STREAMS.events.name, durable: DURABLES.alerterPipeline, filterSubject: PIPELINE_QUEUE_STATUS.subject },
      // the Ads API connection and its Marketing Stream subscriptions (pipeline health)
      {
        stream: STREAMS.events.name,
        durable: DURABLES.alerterAdsConnection,
        filterSubject: ADS_CONNECTION_STATUS.subject,
      },
      {
        stream: STREAMS.events.name,
        durable: DURABLES.alerterAdsSubscriptions,
        filterSubject: ADS_SUBSCRIPTIONS_STATUS.subject,
      },
      // actions the connector settled (Slack messages, digests)
      { stream: STREAMS.events.name, durable: DURABLES.alerterActionsSettled, filterSubject: ACTIONS_SETTLED.subject },
    ],
    readsWindows: [],
  },
  connector: {
    // the connection's state and the subscriptions' statuses; it is the only app that talks to Amazon
    publishes: publishedBy('connector'),
    answers: commandsOf('connector'),
    requests: commandsSentBy('connector'),
    hears: [],
    // queued actions: execute now rather than at the next poll
    durables: [
      { stream: STREAMS.events.name, durable: DURABLES.connectorActionsQueued, filterSubject: ACTIONS_QUEUED.subject },
    ],
    readsWindows: [],
  },
  api: {
    publishes: publishedBy('api'),
    answers: commandsOf('api'),
    // the api is the front door of every command but the operator's
    requests: commandsSentBy('api'),
    // perf: keeps each replica's performance cache exact; all four: the dashboard's live updates (GET /v1/events)
    hears: [PERF_HOURLY_UPDATED.subject, BUDGET_USAGE_UPDATED.subject, ACTIONS_QUEUED.subject, ACTIONS_SETTLED.subject],
    durables: [],
    readsWindows: [],
  },
};

export interface SubjectPermissions {
  allow: string[];
  deny: string[];
}

export interface NatsUserPermissions {
  publish: SubjectPermissions;
  subscribe: SubjectPermissions;
  /** May publish to the reply subject of a request it received (answers commands). */
  allowResponses: boolean;
}

/** The inbox prefix of an app's connection: replies, PubAcks and pulled messages reach it under `<prefix>.>`. */
export function natsInboxPrefix(app: string): string {
  return `_INBOX.${app}`;
}

/** Publishing to these is never allowed to an app (deny wins over allow in nats-server). */
export const DENIED_TO_EVERY_APP: readonly string[] = [
  '$JS.API.STREAM.DELETE.>',
  '$JS.API.STREAM.PURGE.>',
  '$JS.API.STREAM.MSG.DELETE.>',
  '$JS.API.ACCOUNT.PURGE.>',
];

/**
 * The permissions of each app's user for a deployment prefix. JetStream API subjects are those nats.js 2.29 sends
 * to nats-server ≥ 2.9: `$JS.API.INFO` (jetstreamManager), `STREAM.INFO/CREATE/UPDATE.<stream>` (ensureStream),
 * `CONSUMER.CREATE.<stream>.<durable>.<filter>` (consumers.add/update with the new create API; `DURABLE.CREATE`
 * for older servers), `CONSUMER.INFO.<stream>.<durable>` (consumers.get, pending metrics),
 * `CONSUMER.MSG.NEXT.<stream>.<durable>` (pull) and `$JS.ACK.<stream>.<durable>.>` (ack, nak, working; also in the
 * `$JS.ACK.<domain>.<account hash>.<stream>.<durable>.>` form).
 */
export function natsPermissions(prefix: string): Record<NatsUser, NatsUserPermissions> {
  const n = natsNames(prefix);
  const streams = Object.values(STREAMS).map((s) => n.stream(s.name));
  const out = {} as Record<NatsUser, NatsUserPermissions>;
  for (const app of NATS_APPS) {
    const u = NATS_USAGE[app];
    const pub: string[] = ['$JS.API.INFO'];
    for (const s of streams)
      pub.push(`$JS.API.STREAM.INFO.${s}`, `$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.UPDATE.${s}`);
    pub.push(...u.publishes.map(n.subject), ...u.requests.map(n.subject));
    for (const d of u.durables) {
      const s = n.stream(d.stream);
      pub.push(
        `$JS.API.CONSUMER.CREATE.${s}.${d.durable}.${n.subject(d.filterSubject)}`,
        `$JS.API.CONSUMER.DURABLE.CREATE.${s}.${d.durable}`,
        `$JS.API.CONSUMER.INFO.${s}.${d.durable}`,
        `$JS.API.CONSUMER.MSG.NEXT.${s}.${d.durable}`,
        `$JS.ACK.${s}.${d.durable}.>`,
        // the newer ack subject (domain and account hash before the stream), should a server send it
        `$JS.ACK.*.*.${s}.${d.durable}.>`,
      );
    }
    for (const w of u.readsWindows) {
      // ordered consumers get generated names (<nuid>_<serial>) and are deleted after the read
      const s = n.stream(w);
      pub.push(
        `$JS.API.CONSUMER.CREATE.${s}.*`,
        `$JS.API.CONSUMER.CREATE.${s}.*.>`,
        `$JS.API.CONSUMER.INFO.${s}.*`,
        `$JS.API.CONSUMER.MSG.NEXT.${s}.*`,
        `$JS.API.CONSUMER.DELETE.${s}.*`,
      );
    }
    const sub: string[] = [`${natsInboxPrefix(app)}.>`, ...u.answers.map(n.subject), ...u.hears.map(n.subject)];
    out[app] = {
      publish: { allow: unique(pub), deny: [...DENIED_TO_EVERY_APP] },
      subscribe: { allow: unique(sub), deny: [] },
      allowResponses: u.answers.length > 0,
    };
  }
  out[NATS_OPERATOR] = {
    publish: {
      allow: [
        '$JS.API.INFO',
        '$JS.API.STREAM.NAMES',
        '$JS.API.STREAM.LIST',
        ...streams.flatMap((s) => [
          `$JS.API.STREAM.INFO.${s}`,
          `$JS.API.CONSUMER.LIST.${s}`,
          `$JS.API.CONSUMER.NAMES.${s}`,
          `$JS.API.CONSUMER.INFO.${s}.*`,
        ]),
        ...ALL_COMMANDS.map(n.subject),
      ],
      deny: [...DENIED_TO_EVERY_APP],
    },
    subscribe: { allow: [`${natsInboxPrefix(NATS_OPERATOR)}.>`], deny: [] },
    allowResponses: false,
  };
  return out;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
