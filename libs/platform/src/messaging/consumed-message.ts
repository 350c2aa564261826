import type { JsMsg } from 'nats';
import type { ConsumedEvent, ConsumedMessage } from './messaging.types';

const MSG_ID_HEADER = 'Nats-Msg-Id';
const decoder = new TextDecoder();

/** Converts NATS headers to a plain record (first value of each key). */
export function headersToRecord(h: { keys(): string[]; get(k: string): string } | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (h) {
    for (const k of h.keys()) {
      out[k] = h.get(k);
    }
  }
  return out;
}

/** A JetStream message as handlers see it; fields are computed lazily so batching stays cheap. */
export class ConsumedMessageImpl<T> implements ConsumedMessage<T> {
  private _headers?: Record<string, string>;

  constructor(
    private readonly msg: JsMsg,
    readonly subject: string,
  ) {}

  get data(): Uint8Array {
    return this.msg.data;
  }

  json(): T {
    return JSON.parse(this.string()) as T;
  }

  string(): string {
    return decoder.decode(this.msg.data);
  }

  get headers(): Record<string, string> {
    this._headers ??= headersToRecord(this.msg.headers);
    return this._headers;
  }

  header(name: string): string | undefined {
    if (this._headers) return this._headers[name];
    return this.msg.headers?.has(name) ? this.msg.headers.get(name) : undefined;
  }

  get msgId(): string | null {
    return this.msg.headers?.get(MSG_ID_HEADER) || null;
  }

  get streamSequence(): number {
    return this.msg.info.streamSequence;
  }

  get deliveryCount(): number {
    return this.msg.info.deliveryCount;
  }

  get publishedAt(): Date {
    return new Date(Math.floor(this.msg.info.timestampNanos / 1e6));
  }
}

/** A consumed message with its validated payload; everything else is the message's own. */
export class ConsumedEventImpl<T> implements ConsumedEvent<T> {
  constructor(
    private readonly msg: ConsumedMessage,
    readonly payload: T,
  ) {}

  get subject(): string {
    return this.msg.subject;
  }

  get data(): Uint8Array {
    return this.msg.data;
  }

  json(): T {
    return this.msg.json() as T;
  }

  string(): string {
    return this.msg.string();
  }

  get headers(): Record<string, string> {
    return this.msg.headers;
  }

  header(name: string): string | undefined {
    return this.msg.header(name);
  }

  get msgId(): string | null {
    return this.msg.msgId;
  }

  get streamSequence(): number {
    return this.msg.streamSequence;
  }

  get deliveryCount(): number {
    return this.msg.deliveryCount;
  }

  get publishedAt(): Date {
    return this.msg.publishedAt;
  }
}
