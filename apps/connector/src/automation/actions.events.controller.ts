import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ACTIONS_QUEUED, DURABLES } from '@ams/contracts';
import { type ConsumerHandle, JetStreamService } from '@ams/platform';
import { ActionExecutorService } from './action-executor.service';

/**
 * automation.actions.queued.v1 (durable `connector-actions-queued`): a wake-up, not the work. The actions are rows
 * the alerter committed before it published; the executor looks now instead of at its next poll, so the event is
 * acknowledged once the round is asked for. A lost event costs at most AUTOMATION_POLL_MS.
 */
@Injectable()
export class ActionsEventsController implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private handle?: ConsumerHandle;

  constructor(
    private readonly messaging: JetStreamService,
    private readonly executor: ActionExecutorService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.handle = await this.messaging.consume(
      ACTIONS_QUEUED,
      { durable: DURABLES.connectorActionsQueued, maxBatch: 100, maxWaitMs: 20, ackWaitMs: 30_000 },
      async () => this.executor.kick(),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }
}
