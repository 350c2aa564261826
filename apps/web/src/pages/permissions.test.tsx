import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../app';
import type { Action, Alert } from '../api/types';
import { at, fakeApi, json, sessionRoutes } from '../test/fake-api';

const action = (id: string, state: string, extra: Partial<Action> = {}): Action => ({
  id,
  kind: 'budget',
  ruleId: '1',
  ruleName: 'raise capped winners',
  mode: 'approval',
  state,
  advertiserId: 'ADV1',
  entityType: 'campaign',
  entityId: 'C1',
  entityName: 'Shoes',
  campaignId: 'C1',
  field: 'budget',
  valueBefore: '100.00',
  valueAsked: '120.00',
  valueAfter: state === 'done' ? '120.00' : null,
  reason: `raise budget of Shoes (${id})`,
  stateReason: null,
  createdAt: '2026-12-07T10:00:00Z',
  expiresAt: null,
  decidedBy: null,
  executedAt: null,
  revertedByActionId: null,
  ...extra,
});

const automationRoutes = {
  'GET /v1/automation': {
    enabled: true,
    switchEnabled: true,
    envEnabled: true,
    updatedBy: null,
    updatedAt: null,
    defaultMaxDailyBudgetIncrease: '500',
  },
  'GET /v1/actions': (c: { path: string }) => ({
    data: c.path.includes('state=pending_approval')
      ? [action('11', 'pending_approval')]
      : c.path.includes('state=done')
        ? [action('12', 'done')]
        : [action('11', 'pending_approval'), action('12', 'done')],
    nextBefore: null,
  }),
  'GET /v1/action-rules': { data: [] },
};

const alert: Alert = {
  id: '7',
  state: 'firing',
  severity: 'critical',
  rule: { id: '1', name: 'Spend spike', metric: 'spend' },
  advertiserId: 'ADV1',
  entity: { type: 'campaign', id: 'C1', name: 'Shoes', campaignId: 'C1' },
  window: null,
  value: '120.00',
  baseline: null,
  changePct: null,
  threshold: '100',
  acknowledged: false,
  acknowledgedBy: null,
  snoozedUntil: null,
  firedAt: '2026-12-07T10:00:00Z',
  resolvedAt: null,
  lastNotifiedAt: null,
};

describe('what each scope is offered', () => {
  beforeEach(() => {
    sessionStorage.clear();
    sessionStorage.setItem('ams-sentinel.apiKey', 'k-0123456789abcdefghij');
  });
  afterEach(cleanup);

  it('a read key sees proposals and actions but no decision buttons and no kill switch', async () => {
    fakeApi({ ...sessionRoutes('read'), ...automationRoutes });
    at('/advertisers/ADV1/automation');
    render(<App />);
    await screen.findByRole('heading', { level: 1, name: 'Automation' });
    expect((await screen.findAllByText('raise budget of Shoes (11)', { selector: 'th' })).length).toBe(2);
    for (const name of ['Approve', 'Reject', 'Revert']) expect(screen.queryByRole('button', { name })).toBeNull();
    expect(screen.queryByLabelText('Automation enabled')).toBeNull();
    expect(screen.getByText('Automation is enabled.')).toBeTruthy();
  });

  it('an operator approves (POST …/approve) and reverts, but has no kill switch', async () => {
    const { calls } = fakeApi({
      ...sessionRoutes('operator'),
      ...automationRoutes,
      'POST /v1/actions/11/approve': action('11', 'queued'),
    });
    at('/advertisers/ADV1/automation');
    render(<App />);
    const approve = await screen.findByRole('button', { name: 'Approve' });
    expect(screen.getByRole('button', { name: 'Reject' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Revert' })).toBeTruthy();
    expect(screen.queryByLabelText('Automation enabled')).toBeNull();
    const before = calls.length;
    fireEvent.click(approve);
    await waitFor(() =>
      expect(calls.some((c) => c.method === 'POST' && c.path === '/v1/actions/11/approve')).toBe(true),
    );
    await waitFor(() =>
      expect(calls.slice(before).filter((c) => c.path.startsWith('/v1/actions?')).length).toBeGreaterThan(0),
    );
  });

  it("an admin turns automation off with the switch (PUT /v1/automation); a 409's message is shown", async () => {
    const { calls } = fakeApi({
      ...sessionRoutes('admin'),
      ...automationRoutes,
      'PUT /v1/automation': json(503, { code: 'COMMAND_TIMEOUT', message: 'the connector did not answer in 10 s' }),
    });
    at('/advertisers/ADV1/automation');
    render(<App />);
    const sw = (await screen.findByLabelText('Automation enabled')) as HTMLInputElement;
    expect(sw.checked).toBe(true);
    fireEvent.click(sw);
    expect((await screen.findByRole('alert')).textContent).toContain('the connector did not answer in 10 s');
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ enabled: false });
  });

  it('alerts: a read key gets no Acknowledge/Snooze; an operator snoozes with minutes', async () => {
    fakeApi({ ...sessionRoutes('read'), 'GET /v1/alerts': { data: [alert], nextCursor: null } });
    at('/advertisers/ADV1/alerts');
    const first = render(<App />);
    await screen.findByText('Spend spike');
    expect(screen.queryByRole('button', { name: 'Acknowledge' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Snooze' })).toBeNull();
    first.unmount();

    const { calls } = fakeApi({
      ...sessionRoutes('operator'),
      'GET /v1/alerts': { data: [alert], nextCursor: null },
      'POST /v1/alerts/7/snooze': { ...alert, snoozedUntil: '2026-12-07T11:00:00Z' },
    });
    at('/advertisers/ADV1/alerts');
    render(<App />);
    expect(await screen.findByRole('button', { name: 'Acknowledge' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Snooze' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ minutes: 60 }));
    expect(calls.find((c) => c.method === 'POST')?.path).toBe('/v1/alerts/7/snooze');
  });

  it("alert rules: the API's 400 is shown on the field it names", async () => {
    fakeApi({
      ...sessionRoutes('admin'),
      'GET /v1/alert-rules': { data: [] },
      'POST /v1/alert-rules': json(400, {
        code: 'VALIDATION',
        message: ['threshold must be a decimal string'],
        errors: [{ field: 'threshold', reason: 'threshold must be a decimal string' }],
      }),
    });
    at('/advertisers/ADV1/alert-rules');
    render(<App />);
    fireEvent.click(await screen.findByRole('button', { name: 'New rule' }));
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Spend spike' } });
    fireEvent.input(screen.getByLabelText('Threshold'), { target: { value: '1e5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create rule' }));
    await waitFor(() => expect(screen.getByLabelText('Threshold').getAttribute('aria-invalid')).toBe('true'));
    const described = screen.getByLabelText('Threshold').getAttribute('aria-describedby') as string;
    expect(document.getElementById(described)?.textContent).toBe('threshold must be a decimal string');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBeNull();
  });

  it('alert rules: a read or operator key is not offered rule editing (POST/PATCH need admin)', async () => {
    fakeApi({ ...sessionRoutes('operator'), 'GET /v1/alert-rules': { data: [] } });
    at('/advertisers/ADV1/alert-rules');
    render(<App />);
    await screen.findByText('No rule applies to this advertiser.');
    expect(screen.queryByRole('button', { name: 'New rule' })).toBeNull();
  });

  it('pipeline: Replay only for an admin key (the route declares no scope: admin)', async () => {
    const routes = {
      'GET /health': {
        status: 'ok',
        integrations: { pipeline: { status: 'unknown', reason: 'no ingestor answered' } },
      },
      'GET /v1/quarantine': {
        data: [
          {
            id: '5',
            source: 'sqs',
            code: 'SCHEMA',
            reason: 'cost is not a number',
            datasetId: 'sp-traffic',
            receivedAt: '2026-12-07T10:00:00Z',
            status: 'open',
            replayedAt: null,
            replayOutcome: null,
            rawBodyBytes: 12,
            rawBody: '{"cost":"x"}',
            rawBodyTruncated: false,
          },
        ],
        nextCursor: null,
      },
      'GET /v1/subscriptions': { data: [], nextCursor: null },
      'GET /v1/ads/connection': {
        configured: false,
        region: null,
        state: 'unconfigured',
        lastTokenRefreshAt: null,
        lastError: null,
        lastErrorAt: null,
        syncs: [],
      },
      'GET /v1/ads/stream-subscriptions': { data: [], nextCursor: null },
      'GET /v1/advertisers/ADV1/freshness': { data: [] },
    };
    fakeApi({ ...sessionRoutes('operator'), ...routes });
    at('/pipeline');
    const op = render(<App />);
    await screen.findByText('cost is not a number');
    expect(screen.queryByRole('button', { name: 'Replay' })).toBeNull();
    expect(screen.getByText('Pipeline state unknown: no ingestor answered')).toBeTruthy();
    op.unmount();
    fakeApi({ ...sessionRoutes('admin'), ...routes });
    at('/pipeline');
    render(<App />);
    expect(await screen.findByRole('button', { name: 'Replay' })).toBeTruthy();
  });
});
