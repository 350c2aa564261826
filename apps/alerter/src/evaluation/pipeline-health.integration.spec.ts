import { PIPELINE_QUEUE_STATUS, type PipelineQueueStatusV1, type QueueStatusV1 } from '@ams/contracts';
import { waitFor } from '@ams/testing';
import { AlerterHarness } from '../testing/alerter.harness';

/**
 * The default pipeline-health rules on the ingestor's `pipeline.queue.status.v1` (published here as the ingestor
 * does, every read of its queues): a dead-letter queue holding messages, and a queue whose oldest message is older
 * than ALERT_QUEUE_MAX_AGE_SECONDS, each fire once, stay quiet while the status repeats, and resolve once.
 */
describe('alerter: pipeline-health alerts from queue status events (real PostgreSQL, NATS, Slack catcher)', () => {
  let h: AlerterHarness;
  const queue = 'ams-sp-traffic';

  beforeAll(async () => {
    h = await AlerterHarness.create('alert_pipeline', () => ({
      ALERT_QUEUE_MAX_AGE_SECONDS: '600',
      SLACK_MIN_INTERVAL_MS: '100',
    }));
    await h.start();
  });
  afterAll(async () => {
    await h?.dispose();
  });

  const status = (dlq: number, oldestAgeSeconds: number | null, visible = 10): QueueStatusV1 => ({
    queue,
    maxReceiveCount: 5,
    depth: { visible, notVisible: 0, delayed: 0, oldestAgeSeconds },
    deadLetter: { queue: `${queue}-dlq`, visible: dlq, notVisible: 0, delayed: 0, oldestAgeSeconds: dlq ? 120 : null },
    checkedAt: new Date().toISOString(),
  });
  const publish = async (...queues: QueueStatusV1[]) => {
    const event: PipelineQueueStatusV1 = { version: 1, instance: 'spec', queues, emittedAt: new Date().toISOString() };
    await h.js.publish(PIPELINE_QUEUE_STATUS, event);
  };
  const pipelineStates = async () =>
    Object.fromEntries(Object.entries(await h.alertStates()).filter(([k]) => k.startsWith('pipeline')));

  it('fires once when the dead-letter queue holds messages or the oldest message is too old, without repeating', async () => {
    await publish(status(3, 30));
    await waitFor(async () => (await pipelineStates())[`pipeline-dead-letters/${queue}`] === 'firing', {
      description: 'dead-letter alert firing',
    });
    await waitFor(() => h.deliveredAlertIds().flat().length >= 1, { description: 'dead-letter alert delivered' });
    const card = h.catcher.delivered.map((p) => p.raw).join('\n');
    expect(card).toMatch(/dead-letter queue holds messages/);
    expect(card).toContain(queue);
    expect(card).not.toContain('Advertiser');

    await publish(status(3, 900)); // older than 600 s
    await waitFor(async () => (await pipelineStates())[`pipeline-queue-age/${queue}`] === 'firing', {
      description: 'age alert firing',
    });
    await waitFor(() => h.deliveredAlertIds().flat().length >= 2, { description: 'age alert delivered' });

    // the same status again and again (every read, every replica): no new notification
    for (let i = 0; i < 3; i++) await publish(status(4, 950));
    const before = h.catcher.delivered.length;
    const seen = async () => Number((await h.rows<{ n: string }>(`SELECT count(*)::text AS n FROM alert_event`))[0].n);
    const ageValue = async () =>
      (
        await h.rows<{ v: string }>(
          `SELECT a.last_value::text AS v FROM alert a JOIN alert_rule r ON r.id = a.rule_id WHERE r.default_key = 'pipeline-queue-age'`,
        )
      )[0]?.v;
    await waitFor(async () => (await ageValue()) === '950', { description: 'the repeated status judged' });
    expect(await seen()).toBe(2);
    expect(h.catcher.delivered.length).toBe(before);
    expect(new Set(h.deliveredAlertIds().flat()).size).toBe(2);
  });

  it('resolves each once the dead-letter queue is empty and the backlog is gone; an unknown age changes nothing', async () => {
    const before = h.catcher.delivered.length;
    // oldest age unknown while messages wait (nothing received): the age alert keeps its state
    await publish(status(0, null));
    await waitFor(async () => (await pipelineStates())[`pipeline-dead-letters/${queue}`] === 'resolved', {
      description: 'dead-letter alert resolved',
    });
    expect((await pipelineStates())[`pipeline-queue-age/${queue}`]).toBe('firing');
    // drained: an empty queue's age is 0
    await publish(status(0, null, 0));
    await waitFor(async () => (await pipelineStates())[`pipeline-queue-age/${queue}`] === 'resolved', {
      description: 'age alert resolved',
    });
    await waitFor(
      () => h.catcher.delivered.length >= before + 2 || h.deliveredAlertIds().slice(before).flat().length >= 2,
      { description: 'two resolutions delivered' },
    );
    expect(new Set(h.deliveredAlertIds().slice(before).flat()).size).toBe(2);
    const history = await h.rows<{ type: string; n: string }>(
      `SELECT type, count(*)::text AS n FROM alert_event GROUP BY type ORDER BY type`,
    );
    expect(history).toEqual([
      { type: 'fired', n: '2' },
      { type: 'resolved', n: '2' },
    ]);
  });
});
