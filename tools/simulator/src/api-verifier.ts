/**
 * `--verify`: asks the api for each campaign's daily totals until they equal the ground truth (the
 * pipeline needs a little time to drain the queue), and says what differs when they do not.
 */
import type { GroundTruth, TruthMetrics } from './ground-truth';

const FIELDS: Array<keyof TruthMetrics> = ['impressions', 'clicks', 'cost', 'orders', 'sales', 'units'];

interface ApiRow extends Record<string, unknown> {
  period: string;
}

export function compareCampaign(expected: Array<TruthMetrics & { date: string }>, actual: ApiRow[]): string[] {
  const problems: string[] = [];
  const byPeriod = new Map(actual.map((r) => [r.period, r]));
  for (const day of expected) {
    const row = byPeriod.get(day.date);
    if (!row) {
      problems.push(`${day.date}: missing`);
      continue;
    }
    for (const f of FIELDS) {
      if (String(row[f]) !== String(day[f]))
        problems.push(`${day.date} ${f}: api ${String(row[f])}, expected ${String(day[f])}`);
    }
  }
  for (const r of actual) if (!expected.some((d) => d.date === r.period)) problems.push(`${r.period}: unexpected row`);
  return problems;
}

export async function verifyAgainstApi(
  truth: GroundTruth,
  opts: { apiUrl: string; apiKey: string; timeoutMs: number; say: (line: string) => void },
): Promise<boolean> {
  const campaigns = truth.advertisers.flatMap((a) => a.campaigns.map((c) => ({ advertiserId: a.advertiserId, ...c })));
  const deadline = Date.now() + opts.timeoutMs;
  let lastReport = 0;
  let problems = new Map<string, string[]>();
  for (;;) {
    problems = new Map();
    for (const c of campaigns) {
      try {
        const res = await fetch(`${opts.apiUrl}${c.apiQuery}&limit=5000`, {
          headers: { authorization: `Bearer ${opts.apiKey}` },
        });
        if (res.status !== 200) {
          problems.set(c.campaignId, [`api answered ${res.status}: ${(await res.text()).slice(0, 200)}`]);
          continue;
        }
        const body = (await res.json()) as { data: ApiRow[] };
        const p = compareCampaign(c.days, body.data);
        if (p.length) problems.set(c.campaignId, p);
      } catch (err) {
        problems.set(c.campaignId, [
          `api not reachable at ${opts.apiUrl}: ${err instanceof Error ? err.message : String(err)}`,
        ]);
      }
    }
    if (problems.size === 0) {
      const days = campaigns.reduce((s, c) => s + c.days.length, 0);
      opts.say(
        `verified: the api's daily totals equal the ground truth for all ${campaigns.length} campaigns (${days} campaign-days)`,
      );
      return true;
    }
    if (Date.now() > deadline) break;
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      opts.say(
        `waiting for the pipeline: ${campaigns.length - problems.size}/${campaigns.length} campaigns match so far`,
      );
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  opts.say(
    `NOT verified after ${Math.round(opts.timeoutMs / 1000)} s: ${problems.size} of ${campaigns.length} campaigns differ`,
  );
  for (const [id, p] of [...problems.entries()].slice(0, 5))
    opts.say(`  campaign ${id}: ${p.slice(0, 4).join('; ')}${p.length > 4 ? ` … (${p.length} differences)` : ''}`);
  return false;
}
