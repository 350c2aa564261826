import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { type CommandDescriptor, CommandError, validatePayload } from '@ams/contracts';
import { errorMessage } from './batch-consumer';
import { headersToRecord } from './consumed-message';
import { MessagingRemoteError } from './messaging.errors';
import type { MessagingNaming } from './messaging.naming';
import { CORRELATION_ID_HEADER, type ReplyHandler, type ReplyOptions, type RequestOptions } from './messaging.types';
import { decodeText, encodeJson, mapNatsError, toHeaders } from './nats-codec';
import type { ConnectionListener, NatsConnectionManager } from './nats-connection';

/** Header set on replies whose handler failed; its value is the error code. */
export const ERROR_CODE_HEADER = 'x-error-code';

const INTERNAL = 'INTERNAL';

interface ReplyRegistration {
  subject: string;
  queue: string;
  handler: ReplyHandler<unknown, unknown>;
  sub?: Subscription;
}

/**
 * Core NATS request/reply of commands. The answering side validates each request against its command's contract
 * class (unknown fields refused) before the handler runs, and answers a failed handler with `{ error: { code, message } }`
 * and the `x-error-code` header: the error's own code when it looks like an application code (CommandError's), else
 * INTERNAL with an error id (details only in the replier's log). The requesting side turns that into
 * MessagingRemoteError, and a timeout or "no responders" into MessagingTimeoutError.
 */
export class Rpc implements ConnectionListener {
  private readonly replies: ReplyRegistration[] = [];
  /** Requests being answered: a shutdown waits for them, so a handler that finished is never left without its reply. */
  private readonly answering = new Set<Promise<void>>();

  constructor(
    private readonly connection: NatsConnectionManager,
    private readonly naming: MessagingNaming,
    private readonly defaultQueue: string,
    private readonly logger: Logger,
  ) {}

  async request<Req extends object, Res>(
    command: CommandDescriptor<Req, Res>,
    payload: Req,
    timeoutMs: number,
    opts: RequestOptions,
  ): Promise<Res> {
    const subject = command.subject;
    const { nc } = await this.connection.ready();
    let msg: Msg;
    try {
      msg = await nc.request(this.naming.subject(subject), encodeJson(payload), {
        timeout: timeoutMs,
        headers: toHeaders(opts.headers),
      });
    } catch (err) {
      throw mapNatsError(err, `request to ${subject}`, timeoutMs);
    }
    const errorCode = msg.headers?.get(ERROR_CODE_HEADER);
    const body = msg.data.length > 0 ? (JSON.parse(decodeText(msg.data)) as unknown) : undefined;
    if (errorCode) {
      const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? 'remote handler failed';
      throw new MessagingRemoteError(errorCode, message);
    }
    return body as Res;
  }

  reply<Req extends object, Res>(
    command: CommandDescriptor<Req, Res>,
    handler: ReplyHandler<Req, Res>,
    opts: ReplyOptions,
  ): void {
    const validated: ReplyHandler<unknown, Res> = (req, headers) => {
      const v = validatePayload(command.request, req ?? {}, { refuseUnknownFields: true, noun: 'command' });
      if (!v.ok) throw new CommandError('VALIDATION', v.reason);
      return handler(v.value, headers);
    };
    const reg: ReplyRegistration = {
      subject: command.subject,
      queue: opts.queue ?? this.defaultQueue,
      handler: validated as ReplyHandler<unknown, unknown>,
    };
    this.replies.push(reg);
    const nc = this.connection.open();
    if (nc) {
      this.subscribe(nc, reg);
    }
  }

  connected(nc: NatsConnection): void {
    for (const reg of this.replies) {
      this.subscribe(nc, reg);
    }
  }

  private subscribe(nc: NatsConnection, reg: ReplyRegistration): void {
    reg.sub = nc.subscribe(this.naming.subject(reg.subject), {
      queue: reg.queue,
      callback: (err, msg) => {
        if (err) {
          this.logger.error(`reply subscription on ${reg.subject} failed: ${err.message}`);
          return;
        }
        const answer = this.answer(reg, msg);
        this.answering.add(answer);
        void answer.finally(() => this.answering.delete(answer));
      },
    });
  }

  /** Resolves once every request received so far has been answered (or failed to be); called before the drain. */
  async answered(): Promise<void> {
    await Promise.allSettled([...this.answering]);
  }

  private async answer(reg: ReplyRegistration, msg: Msg): Promise<void> {
    if (!msg.reply) {
      return;
    }
    const reqHeaders = headersToRecord(msg.headers);
    const correlationId = reqHeaders[CORRELATION_ID_HEADER];
    const replyHeaders: Record<string, string> = correlationId ? { [CORRELATION_ID_HEADER]: correlationId } : {};
    try {
      let req: unknown;
      try {
        req = msg.data.length > 0 ? JSON.parse(decodeText(msg.data)) : undefined;
      } catch {
        throw new ReplyError('BAD_REQUEST', 'request body is not valid JSON');
      }
      const res = await reg.handler(req, reqHeaders);
      msg.respond(encodeJson(res), { headers: toHeaders(replyHeaders) });
    } catch (err) {
      const code = errorCodeOf(err);
      const where = `handler of ${reg.subject}${correlationId ? ` (correlation ${correlationId})` : ''}`;
      let error: { code: string; message: string; errorId?: string };
      if (code === INTERNAL) {
        // an unexpected failure: the caller gets an error id, the log gets the details
        const errorId = randomUUID();
        error = { code, message: 'internal error', errorId };
        this.logger.error(
          `${where} failed, error id ${errorId}: ${errorMessage(err)}`,
          err instanceof Error ? err.stack : undefined,
        );
      } else {
        error = { code, message: errorMessage(err) };
        this.logger.warn(`${where} failed [${code}]: ${error.message}`);
      }
      try {
        msg.respond(encodeJson({ error }), {
          headers: toHeaders({ ...replyHeaders, [ERROR_CODE_HEADER]: code }),
        });
      } catch (respondErr) {
        this.logger.warn(`could not reply on ${reg.subject}: ${errorMessage(respondErr)}`);
      }
    }
  }
}

class ReplyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The error's own code when it looks like an application code (upper-case letters and underscores, e.g.
 * NOT_FOUND), else INTERNAL: driver codes such as PostgreSQL's SQLSTATE ('23505') are not passed on.
 */
function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z_]*[A-Z]$/.test(code) ? code : INTERNAL;
}
