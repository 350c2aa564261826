import { Injectable, Logger } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { classifySqsBody, type ClassifiedBody, type ClassifiedItem } from '@ams/ams';
import {
  type Address,
  AMS_QUARANTINE,
  type AmsRecordBody,
  AMS_RECORDS,
  HEADERS,
  type QuarantinedBodyV1,
} from '@ams/contracts';
import { HandOffService } from '../handoff/hand-off.service';
import { SubscriptionService } from '../subscription/subscription.service';
import { handOffMetrics, ingestMetrics } from './ingest.metrics';

/** A record (`AMS_RECORDS.at(dataset)`) or a quarantined body (`AMS_QUARANTINE`), as JetStream will store it. */
type Publication = { msgId: string; headers: Record<string, string>; dataset: string } & (
  | { to: Address<AmsRecordBody>; data: AmsRecordBody; quarantined?: undefined }
  | { to: typeof AMS_QUARANTINE; data: QuarantinedBodyV1; quarantined: true }
);

/**
 * Turns a batch of SQS messages into durable JetStream publications. Resolves with the messages
 * whose every record (or quarantine entry) JetStream acknowledged: only those may be deleted. The
 * publications are held while JetStream cannot take them (HandOffService); `keep` says the batch must
 * never be given back (a message in it is close to its queue's maxReceiveCount). A subscription
 * confirmation that fails (SNS or its database record) is left on SQS for a retry and never fails the
 * records of its batch: its promise cannot reject.
 */
@Injectable()
export class MessageRouterService {
  private readonly logger = new Logger(MessageRouterService.name);

  constructor(
    private readonly handOff: HandOffService,
    private readonly subscriptions: SubscriptionService,
  ) {}

  async route(messages: Message[], queueUrl: string, opts: { keep?: boolean } = {}): Promise<Message[]> {
    const receivedAt = new Date().toISOString();
    const publications: Publication[] = [];
    const done: Message[] = [];
    const confirmations: Promise<Message | null>[] = [];

    for (const message of messages) {
      const id = message.MessageId ?? message.ReceiptHandle ?? 'unknown';
      const headers: Record<string, string> = {
        [HEADERS.sqsMessageId]: id,
        [HEADERS.receivedAt]: receivedAt,
        [HEADERS.correlationId]: id,
      };
      const sent = message.Attributes?.SentTimestamp;
      if (sent) headers[HEADERS.sentAt] = new Date(Number(sent)).toISOString();

      const classified = classifySqsBody(message.Body ?? '');
      switch (classified.kind) {
        case 'subscription-confirmation':
          confirmations.push(this.confirm(classified, id, message));
          continue;
        case 'rejected':
          publications.push(
            quarantine(
              `q:${id}`,
              classified.code,
              classified.reason,
              null,
              message.Body ?? '',
              id,
              receivedAt,
              headers,
            ),
          );
          break;
        case 'records':
          classified.items.forEach((item: ClassifiedItem, index: number) => {
            if (item.ok) {
              publications.push({
                to: AMS_RECORDS.at(item.datasetId),
                data: item.raw as AmsRecordBody, // an accepted item is a record: a JSON object
                msgId: item.dedupKey,
                headers,
                dataset: item.datasetId,
              });
            } else {
              const raw = classified.envelope === 'raw' ? (message.Body ?? '') : safeStringify(item.raw);
              publications.push(
                quarantine(`q:${id}:${index}`, item.code, item.reason, item.datasetId, raw, id, receivedAt, headers),
              );
            }
          });
          break;
      }
      done.push(message);
    }

    if (publications.length) {
      // Every publication of the batch in flight at once; held and retried while JetStream cannot take them.
      const acks = await this.handOff.publishAll(publications, {
        queue: queueName(queueUrl),
        held: messages.length,
        keep: opts.keep ?? false,
      });
      acks.forEach((ack, i) => {
        const p = publications[i];
        if (p.quarantined) ingestMetrics.quarantined.inc({ code: p.data.code });
        else if (ack.duplicate) ingestMetrics.duplicates.inc({ dataset: p.dataset });
        else ingestMetrics.records.inc({ dataset: p.dataset });
      });
    }
    for (const kept of await Promise.all(confirmations)) if (kept) done.push(kept);
    ingestMetrics.received.inc({ queue: queueName(queueUrl) }, messages.length);
    return done;
  }

  /** The message when its confirmation is recorded and final, else null (left on SQS for a retry); never rejects. */
  private async confirm(c: Confirmation, sqsMessageId: string, message: Message): Promise<Message | null> {
    try {
      return (await this.subscriptions.handle(c, sqsMessageId)) ? message : null;
    } catch (err) {
      handOffMetrics.confirmationErrors.inc();
      this.logger.warn(
        { sqsMessageId, err: err instanceof Error ? err.message : String(err) },
        'subscription confirmation not recorded; left on SQS for a retry',
      );
      return null;
    }
  }
}

type Confirmation = Extract<ClassifiedBody, { kind: 'subscription-confirmation' }>;

function quarantine(
  msgId: string,
  code: string,
  reason: string,
  datasetId: string | null,
  rawBody: string,
  sqsMessageId: string,
  receivedAt: string,
  headers: Record<string, string>,
): Publication {
  const body: QuarantinedBodyV1 = { version: 1, code, reason, datasetId, rawBody, sqsMessageId, receivedAt };
  return { to: AMS_QUARANTINE, data: body, msgId, headers, dataset: '_quarantine', quarantined: true };
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1) || url;
}
