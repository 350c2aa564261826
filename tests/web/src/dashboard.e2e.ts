/**
 * The dashboard in a real browser (Debian's Chromium, headless) against the whole system (support/stack.ts): sign-in,
 * the overview's figures against the API's, a campaign's charts, the changes an operator makes (acknowledge, approve,
 * replay), what a read key sees, accessibility (axe-core: no serious or critical violation) and a screenshot of every
 * page in tests/web/artifacts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor } from '@ams/testing';
import { type Browser, launchBrowser, seriousA11yViolations } from './support/browser';
import { ADMIN_KEY, OPERATOR_KEY, READ_KEY, type Stack, startStack } from './support/stack';

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const UI_TIMEOUT = 10_000;

interface Totals {
  totals: Record<string, string | number | null>;
}
interface Alert {
  id: string;
  state: string;
  acknowledged: boolean;
  ruleName?: string;
}
interface Action {
  id: string;
  state: string;
  ruleName?: string | null;
}
interface QuarantineItem {
  id: string;
  code: string;
}

/** The advertiser's local date now (YYYY-MM-DD), as the overview's "today". */
function localToday(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
}

/** The start of the current hour in the advertiser's zone, as AMS writes it (`2026-12-07T08:00:00-08:00`). */
function localHourStart(timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      timeZoneName: 'longOffset',
    })
      .formatToParts(new Date())
      .map((p) => [p.type, p.value]),
  );
  const offset = parts['timeZoneName'] === 'GMT' ? '+00:00' : parts['timeZoneName'].replace('GMT', '');
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:00:00${offset}`;
}

describe('dashboard in Chromium (the six apps, PostgreSQL, NATS, fauxqs, the Ads API emulator)', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  /** what the browser reported while the pages ran: CSP refusals and script errors (none expected) */
  const problems: string[] = [];
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    p.on('pageerror', (e) => problems.push(`${e.name}: ${e.message}`));
  };

  /** The page's one h1 has this text (each page's hook). */
  const heading = async (p: Page, name: string | RegExp) => {
    await p.getByRole('heading', { level: 1, name }).waitFor({ timeout: UI_TIMEOUT });
    expect(await p.getByRole('heading', { level: 1 }).count()).toBe(1);
  };
  /** axe-core on the page (nothing serious or critical) and its screenshot. */
  const check = async (p: Page, name: string) => {
    await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    expect({ page: name, violations: await seriousA11yViolations(p) }).toEqual({ page: name, violations: [] });
  };
  const signIn = async (p: Page, key: string) => {
    await p.goto(`${stack.baseUrl}/sign-in`);
    await heading(p, 'Sign in');
    await p.getByLabel('API key').fill(key);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await heading(p, 'Overview');
  };
  const open = async (p: Page, path: string, h1: string | RegExp) => {
    await p.goto(`${stack.baseUrl}${path}`);
    await heading(p, h1);
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    process.stdout.write(`web-e2e stack ready: ${JSON.stringify(stack.timings)} ms\n`);
    page = await browser.context.newPage();
    watch(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('signs in with an operator key and lands on the overview', async () => {
    await page.goto(`${stack.baseUrl}/sign-in`);
    await heading(page, 'Sign in');
    await check(page, 'sign-in');
    await signIn(page, OPERATOR_KEY);
    expect(new URL(page.url()).pathname).toMatch(/^\/advertisers\/[^/]+$|^\/$/);
  });

  it("shows today's totals on the overview exactly as the API sums them", async () => {
    await open(page, `/advertisers/${stack.advertiserId}`, 'Overview');
    const today = localToday(stack.timeZone);
    const { totals } = await stack.api<Totals>(
      `/v1/performance?advertiserId=${stack.advertiserId}&from=${today}&to=${today}&granularity=hour&limit=100`,
      OPERATOR_KEY,
    );
    const expected: Record<string, string | number | null> = {
      spend: totals['cost'],
      sales: totals['sales'],
      acos: totals['acos'],
      roas: totals['roas'],
      clicks: totals['clicks'],
    };
    const shown: Record<string, string | null> = {};
    for (const m of Object.keys(expected)) {
      const tile = page.getByTestId(`tile-${m}`);
      await tile.waitFor({ timeout: UI_TIMEOUT });
      shown[m] = await tile.getAttribute('data-value');
    }
    expect(shown).toEqual(
      Object.fromEntries(Object.entries(expected).map(([m, v]) => [m, v === null ? '' : String(v)])),
    );
    expect(Number(shown['clicks'])).toBeGreaterThanOrEqual(0);
    await check(page, 'overview');
  });

  it('opens a campaign from the list and draws its hourly chart and heatmap', async () => {
    await open(page, `/advertisers/${stack.advertiserId}/campaigns`, 'Campaigns');
    const campaign = stack.campaigns[1];
    const link = page.getByRole('link', { name: campaign.name }).first();
    await link.waitFor({ timeout: UI_TIMEOUT });
    await check(page, 'campaigns');
    await link.click();
    await heading(page, campaign.name);
    for (const id of ['hourly-chart', 'heatmap']) {
      const el = page.getByTestId(id);
      await el.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      const box = await el.boundingBox();
      expect({ id, drawn: (box?.width ?? 0) > 100 && (box?.height ?? 0) > 50 }).toEqual({ id, drawn: true });
    }
    // the chart is drawn (uPlot: a canvas with pixels), not an empty frame
    expect(await page.getByTestId('hourly-chart').locator('canvas, svg').count()).toBeGreaterThan(0);
    await check(page, 'campaign');
  });

  it('acknowledges a firing alert: the alerter records it and the page shows it', async () => {
    await open(page, `/advertisers/${stack.advertiserId}/alerts`, 'Alerts');
    const buttons = page.getByRole('button', { name: 'Acknowledge' });
    await buttons.first().waitFor({ timeout: UI_TIMEOUT });
    await check(page, 'alerts');
    const before = await buttons.count();
    await buttons.first().click();
    const acked = await waitFor(
      async () => {
        const { data } = await stack.api<{ data: Alert[] }>(
          `/v1/alerts?advertiserId=${stack.advertiserId}&state=firing`,
          OPERATOR_KEY,
        );
        return data.find((a) => a.acknowledged) ?? false;
      },
      { timeoutMs: UI_TIMEOUT, description: 'an acknowledged alert in the API' },
    );
    expect(acked.acknowledged).toBe(true);
    await waitFor(async () => (await buttons.count()) < before, {
      timeoutMs: UI_TIMEOUT,
      description: 'one Acknowledge button fewer on the page',
    });
  });

  it('shows the alert rules', async () => {
    await open(page, `/advertisers/${stack.advertiserId}/alert-rules`, 'Alert rules');
    // the alerter's default rules, as the API lists them
    await page.getByText('out of budget').first().waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Alert rules');
    await check(page, 'alert-rules');
  });

  it('approves a proposal made in approval mode: the connector takes it', async () => {
    const pending = await stack.api<{ data: Action[] }>(
      `/v1/actions?state=pending_approval&advertiserId=${stack.advertiserId}`,
      OPERATOR_KEY,
    );
    expect(pending.data.length).toBeGreaterThan(0);
    await open(page, `/advertisers/${stack.advertiserId}/automation`, 'Automation');
    const approve = page.getByRole('button', { name: 'Approve' });
    await approve.first().waitFor({ timeout: UI_TIMEOUT });
    await check(page, 'automation');
    await approve.first().click();
    const decided = await waitFor(
      async () => {
        const { data } = await stack.api<{ data: Action[] }>(
          `/v1/actions?advertiserId=${stack.advertiserId}`,
          OPERATOR_KEY,
        );
        return data.find((a) => ['queued', 'executing', 'done'].includes(a.state)) ?? false;
      },
      { timeoutMs: UI_TIMEOUT, description: 'the approved action queued or done' },
    );
    expect(pending.data.map((a) => a.id)).toContain(decided.id);
    await waitFor(async () => (await approve.count()) === 0, {
      timeoutMs: UI_TIMEOUT,
      description: 'no Approve button left on the page',
    });
  });

  it('replays a quarantined message from the pipeline page (an admin key: replay is an admin command)', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in');
    await signIn(page, ADMIN_KEY);
    await open(page, '/pipeline', 'Pipeline');
    const replay = page.getByRole('button', { name: 'Replay' });
    await replay.first().waitFor({ timeout: UI_TIMEOUT });
    await check(page, 'pipeline');
    const [res] = await Promise.all([
      page.waitForResponse((r) => /\/v1\/quarantine\/[^/]+\/replay$/.test(new URL(r.url()).pathname), {
        timeout: UI_TIMEOUT,
      }),
      replay.first().click(),
    ]);
    expect(res.request().method()).toBe('POST');
    expect(res.status()).toBeLessThan(500);
  });

  it('updates the overview live when new traffic arrives (server-sent events), without a reload', async () => {
    await open(page, `/advertisers/${stack.advertiserId}`, 'Overview');
    const tile = page.getByTestId('tile-clicks');
    await tile.waitFor({ timeout: UI_TIMEOUT });
    const before = Number(await tile.getAttribute('data-value'));
    type Marked = { __sameDocument?: boolean };
    await page.evaluate(() => ((globalThis as Marked).__sameDocument = true));
    const campaign = stack.campaigns[2];
    await stack.send(
      JSON.stringify({
        idempotency_id: `web-e2e-live-${Date.now()}`,
        dataset_id: 'sp-traffic',
        marketplace_id: 'ATVPDKIKX0DER',
        currency: 'USD',
        advertiser_id: stack.advertiserId,
        campaign_id: campaign.campaignId,
        ad_group_id: '900000000000001',
        ad_id: '900000000000002',
        keyword_id: '900000000000003',
        keyword_text: 'live update',
        match_type: 'EXACT',
        placement: 'Top of Search on-Amazon',
        time_window_start: localHourStart(stack.timeZone),
        clicks: 37,
        impressions: 400,
        cost: 12.5,
      }),
    );
    await waitFor(async () => Number(await tile.getAttribute('data-value')) === before + 37, {
      timeoutMs: 20_000,
      description: `the clicks tile at ${before} + 37, redrawn from the event stream`,
    });
    expect(await page.evaluate(() => (globalThis as Marked).__sameDocument)).toBe(true);
  });

  it('gives a read key no action buttons on any page', async () => {
    const reader = await launchBrowser();
    try {
      const p = await reader.context.newPage();
      watch(p);
      await signIn(p, READ_KEY);
      const [alert] = (
        await stack.api<{ data: Alert[] }>(`/v1/alerts?advertiserId=${stack.advertiserId}&state=firing`, READ_KEY)
      ).data;
      const [quarantined] = (await stack.api<{ data: QuarantineItem[] }>('/v1/quarantine', READ_KEY)).data;
      const pages: Array<[string, string, string]> = [
        [`/advertisers/${stack.advertiserId}/alerts`, 'Alerts', alert?.ruleName ?? ''],
        [`/advertisers/${stack.advertiserId}/automation`, 'Automation', 'raise capped budgets by 10 %'],
        ['/pipeline', 'Pipeline', quarantined?.code ?? ''],
      ];
      for (const [path, h1, content] of pages) {
        await open(p, path, h1);
        // the page's data is there (what an operator could act on), so an absent button is a decision, not a delay
        if (content) await p.getByText(content).first().waitFor({ timeout: UI_TIMEOUT });
        for (const name of ['Acknowledge', 'Snooze', 'Approve', 'Reject', 'Revert', 'Replay']) {
          expect({ path, name, count: await p.getByRole('button', { name }).count() }).toEqual({
            path,
            name,
            count: 0,
          });
        }
      }
      await check(p, 'pipeline-read-only');
    } finally {
      await reader.close();
    }
  });

  it('ran every page under its CSP with no refusal and no uncaught script error', () => {
    expect(problems).toEqual([]);
  });
});
