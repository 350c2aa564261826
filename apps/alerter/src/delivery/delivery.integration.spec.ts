import { randomUUID } from 'node:crypto';
import { ALERT_OUTBOX_RETRY, ALERT_RULE_CREATE } from '@ams/contracts';
import { waitFor } from '@ams/testing';
import { startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { AlerterHarness, BudgetRow } from '../testing/alerter.harness';

/**
 * Delivery to a local Slack stand-in: Retry-After and backoff, grouping and rate limiting of a burst,
 * a dead webhook that fails without stopping the others, restarts mid-delivery, a crashed sender's
 * lease, and logging when no webhook is configured.
 */
describe('alerter: outbox delivery to Slack (real PostgreSQL, NATS and a Slack catcher)', () => {
  let h: AlerterHarness;
  const outboxOf = (alertIds: string[]) =>
    h.rows<{
      alert_id: string;
      status: string;
      attempts: number;
      error_count: number;
      last_status: number | null;
      last_error: string | null;
      destination: string;
    }>(
      `SELECT alert_id::text, status, attempts, error_count, last_status, last_error, destination FROM notification_outbox
        WHERE alert_id = ANY($1::bigint[]) ORDER BY id`,
      [alertIds],
    );
  const alertIdsOf = async (entityIds: string[], rule = 'budget-warning-campaign') =>
    (
      await h.rows<{ id: string }>(
        `SELECT a.id::text FROM alert a JOIN alert_rule r ON r.id = a.rule_id WHERE r.default_key = $2 AND a.entity_id = ANY($1) ORDER BY a.id`,
        [entityIds, rule],
      )
    ).map((r) => r.id);
  /** Campaigns at 95 %: one budget warning each (default rule), in one event. */
  const warn = async (ids: string[]) => {
    const rows: BudgetRow[] = ids.map((scopeId) => ({ scopeType: 'CAMPAIGN', scopeId, usagePercentage: '95' }));
    await h.budgets(rows);
    await h.publishBudget(rows);
    await waitFor(async () => (await alertIdsOf(ids)).length === ids.length, { description: `${ids.length} alerts` });
    return alertIdsOf(ids);
  };
  const deliveredTimes = (alertId: string) => h.deliveredAlertIds().filter((ids) => ids.includes(alertId)).length;

  beforeAll(async () => {
    h = await AlerterHarness.create('alert_delivery', (catcher) => ({
      SLACK_WEBHOOKS: `gone=${catcher.urlFor('gone')},ops=${catcher.urlFor('ops')}`,
      SLACK_RETRY_BASE_MS: '250',
      SLACK_MAX_ATTEMPTS: '4',
    }));
    await h.start();
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('honours 429 Retry-After, retries 5xx with backoff, and delivers the message once, after ≥ 2 s', async () => {
    h.catcher.script(h.catcher.url, [
      { status: 429, headers: { 'Retry-After': '2' }, body: 'rate_limited' },
      { status: 500, body: 'internal_error' },
      { status: 500, body: 'internal_error' },
    ]);
    const [alertId] = await warn(['retry-1']);
    await waitFor(() => h.catcher.delivered.length === 1, {
      timeoutMs: 15_000,
      description: 'the message after 429, 500, 500',
    });
    const posts = h.catcher.posts.filter((p) => p.path === '/hooks/default');
    expect(posts.map((p) => p.answeredStatus)).toEqual([429, 500, 500, 200]);
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(2000);
    expect(h.catcher.delivered[0].at - posts[0].at).toBeGreaterThanOrEqual(2000);
    expect(deliveredTimes(alertId)).toBe(1);
    await waitFor(async () => (await outboxOf([alertId]))[0]?.status === 'sent');
    expect((await outboxOf([alertId]))[0]).toMatchObject({
      status: 'sent',
      attempts: 4,
      error_count: 2,
      last_status: 200,
    });
  });

  it('groups a burst of 50 campaigns crossing the budget rule into rate-limited messages, losing none', async () => {
    h.catcher.reset();
    const ids = Array.from({ length: 50 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
    const alertIds = await warn(ids);
    await waitFor(() => new Set(h.deliveredAlertIds().flat()).size >= 50, {
      timeoutMs: 20_000,
      description: '50 alerts delivered',
    });
    const messages = h.deliveredAlertIds();
    expect(messages.length).toBeGreaterThanOrEqual(3); // at most ALERT_GROUP_MAX (20) alerts per message
    expect(messages.length).toBeLessThanOrEqual(5);
    expect(messages.flat().sort()).toEqual([...alertIds].sort()); // each exactly once
    expect(h.catcher.delivered[0].body.blocks[0].text.text).toBe('🔴 20 campaigns: budget nearly spent');
    const at = h.catcher.delivered.map((p) => p.at);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(800); // ≈ 1 message/s per webhook
    await waitFor(async () => (await outboxOf(alertIds)).every((o) => o.status === 'sent'), {
      description: 'all marked sent',
    });
  });

  it('keeps two replicas to one message per second per webhook, and neither sends an entry the other sent', async () => {
    h.catcher.reset();
    const replica = await startNestApp(appDefinition, h.env);
    try {
      const alertIds: string[] = [];
      for (let i = 0; i < 15; i++)
        alertIds.push(...(await warn([`replicas-${i}a`, `replicas-${i}b`, `replicas-${i}c`])));
      await waitFor(() => new Set(h.deliveredAlertIds().flat()).size >= alertIds.length, {
        description: 'all delivered',
      });
      expect(h.catcher.delivered.length).toBeGreaterThanOrEqual(3);
      expect(h.deliveredAlertIds().flat().sort()).toEqual([...alertIds].sort());
      const at = h.catcher.delivered.map((p) => p.at);
      for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(800);
    } finally {
      await replica.close();
    }
  });

  it('marks entries for a 404 webhook failed without retrying forever, while other destinations carry on', async () => {
    h.catcher.reset();
    h.catcher.script(
      h.catcher.urlFor('gone'),
      Array.from({ length: 10 }, () => ({ status: 404, body: 'no_service' })),
    );
    const rule = await h.js.request(
      ALERT_RULE_CREATE,
      {
        name: 'gone budget',
        metric: 'budget_usage',
        condition: 'at_least',
        threshold: '90',
        entityLevel: 'campaign',
        scopeType: 'campaign',
        scopeId: 'gone-1',
        destination: 'gone',
      },
      5000,
    );
    await warn(['gone-1']);
    const [goneAlert] = (await h.rows<{ id: string }>(`SELECT id::text FROM alert WHERE rule_id = $1`, [rule.id])).map(
      (r) => r.id,
    );
    await waitFor(async () => (await outboxOf([goneAlert]))[0]?.status === 'failed', {
      description: 'the 404 entry failed',
    });
    const [failed] = await outboxOf([goneAlert]);
    expect(failed).toMatchObject({ destination: 'gone', attempts: 1, last_status: 404 });
    expect(failed.last_error).toContain('HTTP 404');
    expect(failed.last_error).not.toContain('127.0.0.1'); // webhook URLs are secrets

    // the default destination is unaffected, and later messages still flow while nothing retries the dead hook
    const [later] = await warn(['after-gone']);
    await waitFor(() => deliveredTimes(later) === 1, { description: 'a later alert on the default webhook' });
    expect(h.catcher.delivered.some((p) => p.raw.includes('gone-1'))).toBe(true);
    expect(h.catcher.posts.filter((p) => p.path === '/hooks/gone')).toHaveLength(1);

    // failed entries stay visible and can be retried by command
    await expect(h.js.request(ALERT_OUTBOX_RETRY, {}, 5000)).resolves.toEqual({ requeued: 1 });
    await waitFor(
      async () =>
        (await outboxOf([goneAlert]))[0]?.attempts === 2 && (await outboxOf([goneAlert]))[0]?.status === 'failed',
    );
    expect(h.catcher.posts.filter((p) => p.path === '/hooks/gone')).toHaveLength(2);
  });

  it('sends each notification exactly once when the alerter restarts mid-delivery', async () => {
    h.catcher.reset();
    h.catcher.script(h.catcher.url, [{ status: 200, delayMs: 1500 }]); // Slack is slow: the first message is in flight
    const [first] = await warn(['restart-1']);
    await waitFor(async () => (await outboxOf([first]))[0]?.status === 'sending', {
      description: 'the first message in flight',
    });
    const [second] = await warn(['restart-2']); // queued behind it (one message at a time per webhook)
    const stopping = h.stopApp(); // SIGTERM path: stop claiming, wait for the answer, mark it
    await stopping;
    expect((await outboxOf([first]))[0].status).toBe('sent');

    await h.start();
    await waitFor(() => deliveredTimes(second) === 1, { description: 'the queued message after the restart' });
    await waitFor(async () => (await outboxOf([second]))[0]?.status === 'sent');
    expect(deliveredTimes(first)).toBe(1);
    expect(deliveredTimes(second)).toBe(1);
    expect(h.catcher.posts).toHaveLength(2);
  });

  it('re-sends, flagged as a possible repeat, an entry whose sender died mid-delivery (expired lease)', async () => {
    h.catcher.reset();
    await h.stopApp();
    const [alert] = await h.rows<{ id: string }>(`SELECT id::text FROM alert WHERE entity_id = 'restart-1'`);
    // what a replica killed between its claim and Slack's answer leaves behind
    await h.pg.query(
      `INSERT INTO notification_outbox (alert_id, kind, destination, payload, status, attempts, claim_token, lease_until)
       SELECT alert_id, kind, destination, payload, 'sending', 1, $2, now() - interval '1 second'
         FROM notification_outbox WHERE alert_id = $1 LIMIT 1`,
      [alert.id, randomUUID()],
    );
    await h.start();
    await waitFor(() => h.catcher.delivered.length === 1, { description: 'the interrupted entry sent again' });
    expect(h.catcher.delivered[0].raw).toContain('may repeat an earlier message');
    // Slack's answer reaches the catcher before the sender records it: wait for the row, not the post
    const outboxRows = () =>
      h.rows<{ status: string; in_doubt: boolean }>(
        `SELECT status, in_doubt FROM notification_outbox WHERE alert_id = $1 ORDER BY id`,
        [alert.id],
      );
    await waitFor(async () => (await outboxRows()).every((r) => r.status !== 'sending'), {
      description: 'the re-send recorded',
    });
    expect(await outboxRows()).toEqual([
      { status: 'sent', in_doubt: false },
      { status: 'sent', in_doubt: true },
    ]);
  });

  it('logs the message and marks it delivered-to-log when no webhook is configured', async () => {
    await h.stopApp();
    h.catcher.reset();
    await h.start({ SLACK_WEBHOOK_URL: '', SLACK_WEBHOOKS: '' });
    const [alertId] = await warn(['no-hook-1']);
    await waitFor(async () => (await outboxOf([alertId]))[0]?.status === 'delivered-to-log', {
      description: 'delivered to the log',
    });
    expect(h.catcher.posts).toHaveLength(0);
  });
});
