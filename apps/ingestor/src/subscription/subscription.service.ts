import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConfirmSubscriptionCommand, SNSClient } from '@aws-sdk/client-sns';
import type { ClassifiedBody } from '@ams/ams';
import { SubscriptionConfirmationEntity } from '@ams/db';
import { IngestorEnv } from '../config/ingestor.env';
import { ingestMetrics } from '../ingest/ingest.metrics';

type Confirmation = Extract<ClassifiedBody, { kind: 'subscription-confirmation' }>;

/**
 * SNS subscription confirmations: confirmed through the SNS API (TopicArn + Token) only when the
 * topic belongs to Amazon's Marketing Stream publisher account for its dataset and region. The
 * SubscribeURL is never fetched. Every attempt is recorded before the SQS message is deleted.
 */
@Injectable()
export class SubscriptionService {
  private readonly logger = new Logger(SubscriptionService.name);
  private readonly clients = new Map<string, SNSClient>();

  constructor(
    private readonly env: IngestorEnv,
    @InjectRepository(SubscriptionConfirmationEntity)
    private readonly repo: Repository<SubscriptionConfirmationEntity>,
  ) {}

  /** Returns true when the SQS message may be deleted (outcome recorded and final). */
  async handle(c: Confirmation, sqsMessageId: string): Promise<boolean> {
    const base = {
      topicArn: c.topicArn.slice(0, 512),
      datasetId: c.publisher?.dataset ?? null,
      realm: c.publisher?.realm ?? null,
      region: c.publisher?.region ?? null,
      accountId: c.publisher?.account ?? null,
      sqsMessageId,
    };
    if (!c.publisher) {
      await this.record({
        ...base,
        outcome: 'refused',
        detail: 'topic is not an Amazon Marketing Stream publisher topic',
      });
      this.logger.warn({ topicArn: base.topicArn }, 'refused subscription confirmation from an unknown topic');
      return true;
    }
    if (!this.env.SNS_CONFIRM_ENABLED) {
      await this.record({ ...base, outcome: 'refused', detail: 'SNS_CONFIRM_ENABLED=false' });
      return true;
    }
    try {
      const out = await this.client(c.publisher.region).send(
        new ConfirmSubscriptionCommand({ TopicArn: c.topicArn, Token: c.token }),
      );
      await this.record({ ...base, outcome: 'confirmed', detail: null, subscriptionArn: out.SubscriptionArn ?? null });
      this.logger.log({ dataset: c.publisher.dataset, realm: c.publisher.realm }, 'subscription confirmed');
      return true;
    } catch (err) {
      const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      await this.record({ ...base, outcome: 'failed', detail: detail.slice(0, 1000) });
      this.logger.warn(
        { dataset: c.publisher.dataset, detail },
        'subscription confirmation failed; SQS will redeliver',
      );
      return false;
    }
  }

  private async record(row: Partial<SubscriptionConfirmationEntity>): Promise<void> {
    await this.repo.insert({ ...row, attemptedAt: new Date() });
    ingestMetrics.confirmations.inc({ outcome: row.outcome ?? 'unknown' });
  }

  private client(region: string): SNSClient {
    let c = this.clients.get(region);
    if (!c) {
      c = new SNSClient({ region, ...(this.env.SNS_ENDPOINT ? { endpoint: this.env.SNS_ENDPOINT } : {}) });
      this.clients.set(region, c);
    }
    return c;
  }
}
