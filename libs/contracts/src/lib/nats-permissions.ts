/**
 * Who may do what on NATS, defined once from the subject and stream catalog (subjects.ts): what each app
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
import { natsNames } from './nats-naming';
import { AMS_SUBJECT_ROOT, COMMAND_SUBJECTS, DURABLES, EVENT_SUBJECTS, STREAMS } from './subjects';

export const NATS_APPS = ['ingestor', 'processor', 'aggregator', 'alerter', 'api'] as const;
export type NatsApp = (typeof NATS_APPS)[number];

/**
 * The one user that is not an app: a person with the NATS CLI. Needed because pausing and resuming ingestion
 * (`cmd.ingestor.polling.v1`) is an operator's command no app sends; it may also request the other commands and read
 * stream and consumer state, and, like every user, may not delete or purge anything.
 */
export const NATS_OPERATOR = 'operator';
export const NATS_USERS = [...NATS_APPS, NATS_OPERATOR] as const;
export type NatsUser = (typeof NATS_USERS)[number];

type StreamName = (typeof STREAMS)[keyof typeof STREAMS]['name'];

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
export const OPERATOR_COMMANDS: readonly string[] = [COMMAND_SUBJECTS.ingestPolling];

const ALL_COMMANDS: string[] = Object.values(COMMAND_SUBJECTS);

/** The commands an app answers: the catalog's `cmd.<app>.*` subjects (a new command is answered by its owner). */
export function commandsOf(app: NatsApp): string[] {
  return ALL_COMMANDS.filter((s) => s.startsWith(`cmd.${app}.`));
}

/** What each app does on NATS, from reading each app's code (grep publish|consumeBatches|reply|request|subscribeAll). */
export const NATS_USAGE: Record<NatsApp, NatsUsage> = {
  ingestor: {
    // ams.<dataset_id> and ams._quarantine; the queues' status for the pipeline-health rules
    publishes: [`${AMS_SUBJECT_ROOT}.>`, EVENT_SUBJECTS.pipelineQueueStatus],
    answers: commandsOf('ingestor'),
    requests: [],
    hears: [],
    durables: [],
    readsWindows: [],
  },
  processor: {
    publishes: [EVENT_SUBJECTS.perfHourlyUpdated, EVENT_SUBJECTS.budgetUsageUpdated],
    answers: commandsOf('processor'),
    requests: [],
    hears: [],
    durables: [{ stream: STREAMS.ams.name, durable: DURABLES.processor, filterSubject: STREAMS.ams.subjects[0] }],
    readsWindows: [STREAMS.ams.name],
  },
  aggregator: {
    publishes: [],
    answers: commandsOf('aggregator'),
    requests: [],
    hears: [],
    durables: [{ stream: STREAMS.events.name, durable: DURABLES.aggregatorPerf, filterSubject: EVENT_SUBJECTS.perfHourlyUpdated }],
    readsWindows: [],
  },
  alerter: {
    publishes: [],
    answers: commandsOf('alerter'),
    requests: [],
    hears: [],
    durables: [
      { stream: STREAMS.events.name, durable: DURABLES.alerterPerf, filterSubject: EVENT_SUBJECTS.perfHourlyUpdated },
      { stream: STREAMS.events.name, durable: DURABLES.alerterBudget, filterSubject: EVENT_SUBJECTS.budgetUsageUpdated },
      { stream: STREAMS.events.name, durable: DURABLES.alerterPipeline, filterSubject: EVENT_SUBJECTS.pipelineQueueStatus },
    ],
    readsWindows: [],
  },
  api: {
    publishes: [],
    answers: [],
    // the api is the front door of every command but the operator's
    requests: ALL_COMMANDS.filter((s) => !OPERATOR_COMMANDS.includes(s)),
    hears: [EVENT_SUBJECTS.perfHourlyUpdated], // keeps each replica's performance cache exact
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
    for (const s of streams) pub.push(`$JS.API.STREAM.INFO.${s}`, `$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.UPDATE.${s}`);
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
        ...streams.flatMap((s) => [`$JS.API.STREAM.INFO.${s}`, `$JS.API.CONSUMER.LIST.${s}`, `$JS.API.CONSUMER.NAMES.${s}`, `$JS.API.CONSUMER.INFO.${s}.*`]),
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
