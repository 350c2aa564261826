/**
 * The shapes of the message catalog (catalog.ts): one descriptor per event, command and subject family, so that a
 * subject, its payload class, its reply, its stream and the apps at either end are written once, together.
 * `JetStreamService` (libs/platform) takes these descriptors, so a payload that does not match its subject is a
 * compile error, and it validates what it receives against the descriptor's class in one place.
 *
 * Invariants (checked when a descriptor is defined, and by catalog.spec.ts):
 * - a command's subject is `cmd.<answering app>.<name>.v<n>`; an event's ends in `.v<n>`;
 * - a descriptor's `name` is the name of the constant it is exported as (one search finds every use).
 */
import type { NatsApp } from '../apps';

/** A contract class: decorated with class-validator, so a received payload can be checked against it. */
export type PayloadClass<T> = new () => T;

/** Unprefixed stream names (the messaging module adds the deployment's prefix). */
export const STREAM_NAMES = { ams: 'AMS', events: 'EVENTS' } as const;
export type StreamKey = keyof typeof STREAM_NAMES;
export type StreamName = (typeof STREAM_NAMES)[StreamKey];

/** Type-only key of the phantom payload type (no value exists at run time). */
export declare const payloadType: unique symbol;

/**
 * Something a message of type T can be published to: its unprefixed subject. The phantom `[payloadType]` carries T
 * (never set at run time) so that `publish(address, data)` checks `data` against it.
 */
export interface Address<T> {
  readonly subject: string;
  readonly [payloadType]?: T;
}

/** A JetStream event: published with a PubAck to one subject of one stream, consumed by durables or heard. */
export interface EventDescriptor<T extends object> extends Address<T> {
  readonly kind: 'event';
  readonly name: string;
  readonly payload: PayloadClass<T>;
  readonly stream: StreamName;
  /** the app that publishes it */
  readonly producer: NatsApp;
}

/** Who sends a command: the api (the front door) or an operator with the NATS CLI (never an app). */
export type CommandSender = 'api' | 'operator';

/** A core NATS request/reply command, answered by one app (in a queue group: one replica answers). */
export interface CommandDescriptor<Req extends object, Res> {
  readonly kind: 'command';
  readonly name: string;
  readonly subject: string;
  /** the request's contract class: the answering side validates against it before its handler runs */
  readonly request: PayloadClass<Req>;
  /** the reply's type (interfaces: the replier is trusted, replies are not validated) */
  readonly reply: ReplyType<Res>;
  /** the one app that answers it (checked against the code: catalog.spec.ts) */
  readonly app: NatsApp;
  readonly sender: CommandSender;
}

/** A type-only marker for a command's reply. */
export interface ReplyType<Res> {
  readonly [payloadType]?: Res;
}

/** `reply: replyOf<AlertV1>()` in a command descriptor. */
export function replyOf<Res>(): ReplyType<Res> {
  return {};
}

/**
 * The raw-subject escape hatch: a family of subjects `<root>.<token>` whose last token carries data (the AMS dataset),
 * all in one stream. Its payload is not a contract class (AMS records are checked by `@ams/ams`, which quarantines what
 * it refuses), so it is never validated on receipt; the processor reads the whole stream with `filter`.
 */
export interface SubjectFamily<T> {
  readonly kind: 'family';
  readonly name: string;
  readonly root: string;
  readonly stream: StreamName;
  readonly producer: NatsApp;
  /** every subject of the family: `<root>.>` */
  readonly filter: string;
  /** the address of one member: `<root>.<token>` */
  at(token: string): Address<T>;
}

const VERSIONED = /\.v\d+$/;

export function defineEvent<T extends object>(d: {
  name: string;
  subject: string;
  payload: PayloadClass<T>;
  stream: StreamKey;
  producer: NatsApp;
}): EventDescriptor<T> {
  if (!VERSIONED.test(d.subject) && d.stream === 'events')
    throw new Error(`event ${d.name}: subject ${d.subject} must end in .v<n>`);
  return Object.freeze({ kind: 'event' as const, ...d, stream: STREAM_NAMES[d.stream] });
}

export function defineCommand<Req extends object, Res>(d: {
  name: string;
  subject: string;
  request: PayloadClass<Req>;
  reply: ReplyType<Res>;
  app: NatsApp;
  sender?: CommandSender;
}): CommandDescriptor<Req, Res> {
  if (!d.subject.startsWith(`cmd.${d.app}.`) || !VERSIONED.test(d.subject)) {
    throw new Error(`command ${d.name}: subject ${d.subject} must be cmd.${d.app}.<name>.v<n>`);
  }
  return Object.freeze({ kind: 'command' as const, sender: 'api' as const, ...d });
}

export function defineSubjectFamily<T>(d: {
  name: string;
  root: string;
  stream: StreamKey;
  producer: NatsApp;
}): SubjectFamily<T> {
  const root = d.root;
  return Object.freeze({
    kind: 'family' as const,
    ...d,
    stream: STREAM_NAMES[d.stream],
    filter: `${root}.>`,
    at: (token: string): Address<T> => ({ subject: `${root}.${token}` }),
  });
}
