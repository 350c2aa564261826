/**
 * classifySqsBody(): turns one SQS message body into a SubscriptionConfirmation, a list of validated records, or a
 * rejection with a quarantine code. Order (RESEARCH §1.4): size → JSON → SNS SubscriptionConfirmation → SNS
 * Notification envelope (unwrapped) / other SNS types → array → single record. Never throws.
 */
import type { DatasetId, PublisherMatch } from './datasets';
import { identifyPublisher } from './datasets';
import { describeValue, isPlainObject } from './schema';
import { escapeControlChars } from './text-safety';
import { type AmsRecord, type QuarantineCode, validateRecord } from './validate';

/** 256 KiB, the classic SQS maximum message size (AMS records are < 6 KB). */
export const MAX_BODY_BYTES = 262_144;
/** Most records accepted from one array body. */
export const MAX_ARRAY_ITEMS = 1000;

export type ClassifiedItem =
  | {
      ok: true;
      datasetId: DatasetId;
      dedupKey: string;
      record: AmsRecord;
      raw: unknown;
    }
  | {
      ok: false;
      code: QuarantineCode;
      reason: string;
      datasetId: string | null;
      raw: unknown;
    };

export type ClassifiedBody =
  | {
      kind: 'subscription-confirmation';
      topicArn: string;
      token: string;
      /** as sent; check it with isAmazonSnsUrl() before fetching it (prefer SNS ConfirmSubscription) */
      subscribeUrl: string | null;
      messageId: string | null;
      /** the Amazon dataset/realm owning TopicArn, or null when the topic is not an AMS publisher */
      publisher: PublisherMatch | null;
    }
  | {
      kind: 'records';
      envelope: 'raw' | 'sns-notification' | 'array';
      items: ClassifiedItem[];
    }
  | { kind: 'rejected'; code: QuarantineCode; reason: string };

export interface ClassifyOptions {
  /** default MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** default MAX_ARRAY_ITEMS */
  maxArrayItems?: number;
}

const SNS_TYPES: ReadonlySet<string> = new Set(['SubscriptionConfirmation', 'Notification', 'UnsubscribeConfirmation']);

function rejected(code: QuarantineCode, reason: string): ClassifiedBody {
  return { kind: 'rejected', code, reason };
}

/** Error message safe to store and log: at most 200 characters, control characters and lone surrogates escaped. */
function errorMessage(e: unknown): string {
  let message = 'unknown error';
  try {
    if (e instanceof Error && typeof e.message === 'string') message = e.message;
  } catch {
    // keep the generic message
  }
  if (message.length > 200) message = `${message.slice(0, 200)}…`;
  return escapeControlChars(message);
}

/** An object that looks like an SNS message rather than an AMS record. */
function isSnsLike(v: Record<string, unknown>): boolean {
  const type = v['Type'];
  if (typeof type !== 'string') return false;
  if (Object.hasOwn(v, 'dataset_id')) return false;
  return SNS_TYPES.has(type) || typeof v['TopicArn'] === 'string' || typeof v['MessageId'] === 'string';
}

function classifyItem(raw: unknown): ClassifiedItem {
  if (isPlainObject(raw) && isSnsLike(raw)) {
    return {
      ok: false,
      code: 'unsupported-message',
      reason: `SNS ${describeValue(raw['Type'])} message inside an array is not supported`,
      datasetId: null,
      raw,
    };
  }
  const r = validateRecord(raw);
  return r.ok
    ? {
        ok: true,
        datasetId: r.record.datasetId,
        dedupKey: r.dedupKey,
        record: r.record,
        raw,
      }
    : {
        ok: false,
        code: r.code,
        reason: r.reason,
        datasetId: r.datasetId,
        raw,
      };
}

function classifyPayload(value: unknown, envelope: 'raw' | 'sns-notification', maxArrayItems: number): ClassifiedBody {
  if (Array.isArray(value)) {
    if (value.length === 0) return rejected('empty', 'body: is an empty array');
    if (value.length > maxArrayItems) {
      return rejected('too-large', `body: array has ${value.length} elements (max ${maxArrayItems})`);
    }
    const items: ClassifiedItem[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) items[i] = classifyItem(value[i]);
    return { kind: 'records', envelope: 'array', items };
  }
  if (!isPlainObject(value)) {
    return rejected('not-an-object', `body: must be a JSON object or array (got ${describeValue(value)})`);
  }
  return { kind: 'records', envelope, items: [classifyItem(value)] };
}

function classifyParsed(parsed: unknown, maxArrayItems: number): ClassifiedBody {
  if (!isPlainObject(parsed) || !isSnsLike(parsed)) return classifyPayload(parsed, 'raw', maxArrayItems);

  const type = parsed['Type'] as string;
  if (type === 'SubscriptionConfirmation') {
    const topicArn = parsed['TopicArn'];
    const token = parsed['Token'];
    const problems: string[] = [];
    if (typeof topicArn !== 'string' || topicArn.length === 0) problems.push('TopicArn: must be a non-empty string');
    if (typeof token !== 'string' || token.length === 0) problems.push('Token: must be a non-empty string');
    if (problems.length > 0 || typeof topicArn !== 'string' || typeof token !== 'string') {
      return rejected('unsupported-message', `SNS SubscriptionConfirmation: ${problems.join('; ')}`);
    }
    const subscribeUrl = parsed['SubscribeURL'];
    const messageId = parsed['MessageId'];
    return {
      kind: 'subscription-confirmation',
      topicArn,
      token,
      subscribeUrl: typeof subscribeUrl === 'string' ? subscribeUrl : null,
      messageId: typeof messageId === 'string' ? messageId : null,
      publisher: identifyPublisher(topicArn),
    };
  }
  if (type === 'Notification') {
    const message = parsed['Message'];
    if (typeof message !== 'string') {
      return rejected('unsupported-message', 'SNS Notification: Message must be a string');
    }
    if (message.trim() === '') return rejected('empty', 'SNS Notification: Message is empty');
    let inner: unknown;
    try {
      inner = JSON.parse(message);
    } catch (e) {
      return rejected('not-json', `SNS Notification: Message is not JSON (${errorMessage(e)})`);
    }
    if (isPlainObject(inner) && isSnsLike(inner)) {
      return rejected('unsupported-message', 'SNS Notification: nested SNS envelopes are not supported');
    }
    return classifyPayload(inner, 'sns-notification', maxArrayItems);
  }
  return rejected('unsupported-message', `SNS message type ${describeValue(type)} is not supported`);
}

/** Classifies one SQS message body. Never throws. */
export function classifySqsBody(body: string, opts?: ClassifyOptions): ClassifiedBody {
  try {
    if (typeof body !== 'string') return rejected('not-json', `body: must be a string (got ${describeValue(body)})`);
    const maxBytes = opts?.maxBodyBytes ?? MAX_BODY_BYTES;
    const maxArrayItems = opts?.maxArrayItems ?? MAX_ARRAY_ITEMS;
    // Every UTF-16 code unit takes at least one UTF-8 byte, so the cheap length test can only under-estimate.
    if (body.length > maxBytes || Buffer.byteLength(body, 'utf8') > maxBytes) {
      return rejected('too-large', `body: is ${Buffer.byteLength(body, 'utf8')} bytes (max ${maxBytes})`);
    }
    if (body.trim() === '') return rejected('empty', 'body: is empty');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return rejected('not-json', `body: is not JSON (${errorMessage(e)})`);
    }
    return classifyParsed(parsed, maxArrayItems);
  } catch (e) {
    return rejected('invalid-record', `body: could not be classified (${errorMessage(e)})`);
  }
}
