/**
 * `npm run bench:forecast` — a rolling-origin backtest of libs/forecast on simulated history (the simulator's
 * `--realism` traffic, generated in memory: no database), against seasonal naive (the same local hour a week
 * before), and the cost of fitting and forecasting 10,000 campaigns. Not a jest test; prints Markdown tables.
 *
 * Flags: --advertisers N (6) --campaigns N per advertiser (20) --seed N (2026) --weeks N of history per fit (4)
 *        --test-days N origins (14) --cost N campaigns timed (10000) --full (12 × 50 campaigns, 28 test days)
 *
 * History: 6 weeks (+ the test days beyond 14) per advertiser, each in its own time zone. Origins: every test day
 * at local 00:00, 06:00, 12:00 and 18:00, each forecasting the next 24 local hours from the 4 weeks before the
 * origin day (and the origin day's hours so far). Pacing: every test day at every local hour before the budget
 * ran out, from the hours so far.
 */
import { cpus, loadavg } from 'node:os';
import {
  averageProfiles,
  fitCampaign,
  fitProfiles,
  forecastHours,
  windowSumBand,
  HOURS,
  pacingFromModel,
  seasonalNaive,
  sumSeries,
  type CampaignModel,
  type HourlySeries,
  type Metric,
  type ProfileSet,
} from '@ams/forecast';
import { buildScenario, budgetOn, type ScenarioOptions } from '../simulator/src/market-scenario';
import { hourlyTotals } from '../simulator/src/realism';

const argv = process.argv.slice(2);
const full = argv.includes('--full');
function flag(name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number`);
  return v;
}
const ADVERTISERS = flag('advertisers', full ? 12 : 6);
const CAMPAIGNS = flag('campaigns', full ? 50 : 20);
const SEED = flag('seed', 2026);
const WEEKS = flag('weeks', 4);
const TEST_DAYS = flag('test-days', full ? 28 : 14);
const COST = flag('cost', 10_000);
const ORIGIN_HOURS = [0, 6, 12, 18];
const END = Date.parse('2026-11-30T12:00:00Z');

const out = (line = '') => process.stdout.write(`${line}\n`);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

interface Campaign {
  advertiser: number;
  id: string;
  size: 'small' | 'medium' | 'large';
  series: HourlySeries;
  /** daily budget per day index, currency units (USD-equivalent) */
  budget: number[];
}

function generate(): { campaigns: Campaign[]; byAdvertiser: Campaign[][]; days: number } {
  const days = 7 * WEEKS + TEST_DAYS + 1;
  const o: ScenarioOptions = {
    seed: SEED,
    advertisers: ADVERTISERS,
    campaigns: CAMPAIGNS,
    hours: days * 24,
    endMs: END,
    anomalies: [],
    realism: true,
  };
  const byAdvertiser: Campaign[][] = [];
  for (const adv of buildScenario(o)) {
    const list: Campaign[] = [];
    for (const c of adv.campaigns) {
      const t = hourlyTotals(o, adv, c);
      // money in US-dollar equivalents, so campaigns in USD, EUR and JPY weigh alike in the pooled figures
      const toUsd = (a: Float64Array) => a.map((x) => x / adv.market.dollar);
      const series: HourlySeries = {
        firstDate: t.firstDate,
        days: t.days,
        spend: toUsd(t.spend),
        clicks: t.clicks,
        orders: t.orders,
        sales: toUsd(t.sales),
        cappedAt: t.cappedAt,
      };
      const budget: number[] = [];
      for (let d = 0; d < t.days; d++) {
        const date = new Date(Date.parse(`${t.firstDate}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
        budget.push(budgetOn(c, date) / adv.market.dollar);
      }
      list.push({ advertiser: adv.index, id: c.campaignId, size: c.realism?.size ?? 'large', series, budget });
    }
    byAdvertiser.push(list);
  }
  return { campaigns: byAdvertiser.flat(), byAdvertiser, days };
}

/** Profiles of each advertiser (its campaigns summed) over the global one (the advertisers' mean), for a day. */
function parentProfiles(byAdvertiser: Campaign[][], asOfDay: (c: Campaign) => number): Map<number, ProfileSet> {
  const advertiserSets = byAdvertiser.map((list) => {
    const sum = sumSeries(list.map((c) => c.series));
    return fitProfiles(sum, { asOfDay: asOfDay(list[0]), weeks: WEEKS, level: 'advertiser' });
  });
  const global = {} as ProfileSet;
  for (const m of ['spend', 'clicks', 'orders', 'sales'] as const)
    global[m] = averageProfiles(advertiserSets.map((s) => s[m]));
  const out = new Map<number, ProfileSet>();
  byAdvertiser.forEach((list, a) => {
    const sum = sumSeries(list.map((c) => c.series));
    out.set(a, fitProfiles(sum, { asOfDay: asOfDay(list[0]), weeks: WEEKS, parent: global, level: 'advertiser' }));
  });
  return out;
}

interface Acc {
  absOurs: number;
  absNaive: number;
  actual: number;
  covered: number;
  /** before the calibration (whole-count bands) */
  coveredBefore: number;
  n: number;
}
const acc = (): Acc => ({ absOurs: 0, absNaive: 0, actual: 0, covered: 0, coveredBefore: 0, n: 0 });
const SEGMENTS = ['small', 'medium', 'large', 'all'] as const;
const METRICS_SHOWN: Metric[] = ['spend', 'clicks', 'orders', 'sales'];

function main(): void {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  out(`# forecast bench — ${new Date().toISOString().slice(0, 10)}`);
  out();
  out(
    `machine: ${machine}, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  let t0 = process.hrtime.bigint();
  const { campaigns, byAdvertiser, days } = generate();
  const sizes = SEGMENTS.slice(0, 3).map((s) => `${campaigns.filter((c) => c.size === s).length} ${s}`);
  out(
    `history: ${campaigns.length} campaigns (${sizes.join(', ')}) of ${ADVERTISERS} advertisers, ${days} local days each, seed ${SEED}, simulator --realism (generated in ${(ms(t0) / 1000).toFixed(1)} s)`,
  );
  out(
    `backtest: ${TEST_DAYS} origin days × local ${ORIGIN_HOURS.map((h) => `${String(h).padStart(2, '0')}:00`).join(', ')}, 24 h ahead, each fitted on the ${WEEKS} weeks before; pacing at every local hour of the test days`,
  );
  out();

  const stats = new Map<string, Acc>();
  const get = (m: Metric, seg: string) => {
    const k = `${m}/${seg}`;
    let a = stats.get(k);
    if (!a) stats.set(k, (a = acc()));
    return a;
  };
  // pacing
  const exhaustionErrors: number[] = [];
  let exhaustionCovered = 0;
  let exhaustionCoveredBefore = 0;
  const leads: number[] = [];
  let cappedDays = 0;
  let missed = 0;
  let uncappedDays = 0;
  let falseAlarms = 0;
  let falseAlarmsRule = 0;
  let cappedLateWarned = 0;
  // outside_forecast on the local day (24 h window, from 00:00), spend and clicks, guard: ≥ 20 clicks; uncapped days
  const band = { days: 0, judged: 0, any0: 0, any25: 0, spend0: 0, clicks0: 0 };

  t0 = process.hrtime.bigint();
  let fits = 0;
  const firstTest = days - 1 - TEST_DAYS;
  for (let t = firstTest; t < days - 1; t++) {
    const parents = parentProfiles(byAdvertiser, () => t);
    for (const c of campaigns) {
      const model: CampaignModel = fitCampaign(c.series, {
        asOfDay: t,
        weeks: WEEKS,
        parent: parents.get(c.advertiser),
      });
      fits++;
      for (const from of ORIGIN_HOURS) {
        const f = forecastHours(model, c.series, { fromHour: from, horizon: 24, budget: c.budget[t] });
        const before = forecastHours(model, c.series, {
          fromHour: from,
          horizon: 24,
          budget: c.budget[t],
          wholeCountBands: true,
        });
        for (const m of METRICS_SHOWN) {
          const naive = seasonalNaive(c.series, m, t, from, 24);
          for (let k = 0; k < 24; k++) {
            const i = t * HOURS + from + k;
            const y = c.series[m][i];
            if (Number.isNaN(y) || Number.isNaN(naive[k])) continue;
            const q = f[k].metrics[m];
            for (const seg of [c.size, 'all']) {
              const a = get(m, seg);
              a.absOurs += Math.abs(y - q.p50);
              a.absNaive += Math.abs(y - naive[k]);
              a.actual += Math.abs(y);
              a.covered += y >= q.p10 - 1e-9 && y <= q.p90 + 1e-9 ? 1 : 0;
              const b = before[k].metrics[m];
              a.coveredBefore += y >= b.p10 - 1e-9 && y <= b.p90 + 1e-9 ? 1 : 0;
              a.n++;
            }
          }
        }
      }
      // pacing through the test day, hour by hour, until the budget ran out
      const cap = c.series.cappedAt ? c.series.cappedAt[t] : NaN;
      const budget = c.budget[t];
      let t90 = NaN;
      let cum = 0;
      for (let h = 0; h < HOURS; h++) {
        const x = c.series.spend[t * HOURS + h];
        if (cum + x >= 0.9 * budget && x > 0) {
          t90 = h + (0.9 * budget - cum) / x;
          break;
        }
        cum += x;
      }
      let firstOver = NaN;
      let firstRule = NaN;
      for (let h = 0; h < HOURS; h++) {
        if (!Number.isNaN(cap) && h >= cap) break;
        const p = pacingFromModel(model, c.series, { budget: budget.toFixed(2), nowHour: h });
        if (p.label === 'overpacing' && Number.isNaN(firstOver)) firstOver = h;
        if (p.exhaustion.p50 !== null && p.exhaustion.p50 < 21 && Number.isNaN(firstRule)) firstRule = h;
        if (!Number.isNaN(cap)) {
          exhaustionErrors.push(Math.abs((p.exhaustion.p50 ?? 24) - cap));
          const lo = p.exhaustion.p10 ?? 24;
          const hi = p.exhaustion.p90 ?? 24;
          if (cap >= lo - 1e-9 && cap <= hi + 1e-9) exhaustionCovered++;
          const e0 = pacingFromModel(model, c.series, { budget: budget.toFixed(2), nowHour: h, spread: 1 }).exhaustion;
          if (cap >= (e0.p10 ?? 24) - 1e-9 && cap <= (e0.p90 ?? 24) + 1e-9) exhaustionCoveredBefore++;
        }
      }
      if (Number.isNaN(cap)) {
        band.days++;
        const day = (m: Metric) => {
          let x = 0;
          for (let h = 0; h < HOURS; h++) x += c.series[m][t * HOURS + h] || 0;
          return x;
        };
        if (day('clicks') >= 20) {
          band.judged++;
          const outside = (m: Metric, widen: number) => {
            const b = windowSumBand(model, c.series, m, 0, 24);
            const y = day(m);
            return y < b.p10 * (1 - widen) - 1e-9 || y > b.p90 * (1 + widen) + 1e-9;
          };
          const s0 = outside('spend', 0);
          const k0 = outside('clicks', 0);
          band.spend0 += s0 ? 1 : 0;
          band.clicks0 += k0 ? 1 : 0;
          band.any0 += s0 || k0 ? 1 : 0;
          band.any25 += outside('spend', 0.25) || outside('clicks', 0.25) ? 1 : 0;
        }
      }
      if (!Number.isNaN(cap)) {
        cappedDays++;
        if (Number.isNaN(firstOver)) missed++;
        else if (!Number.isNaN(t90)) {
          leads.push(t90 - firstOver);
          if (firstOver > t90) cappedLateWarned++;
        }
      } else {
        uncappedDays++;
        if (!Number.isNaN(firstOver)) falseAlarms++;
        if (!Number.isNaN(firstRule)) falseAlarmsRule++;
      }
    }
  }
  const backtestMs = ms(t0);

  out('## Hourly forecasts, 24 h ahead: WAPE of our P50 vs seasonal naive, P10–P90 coverage');
  out();
  out('| metric | segment | hours | WAPE ours | WAPE naive | ours vs naive | P10–P90 coverage (before calibration) |');
  out('|---|---|---:|---:|---:|---:|---:|');
  for (const m of METRICS_SHOWN)
    for (const seg of SEGMENTS) {
      const a = get(m, seg);
      if (a.n === 0) continue;
      const ours = a.absOurs / a.actual;
      const naive = a.absNaive / a.actual;
      out(
        `| ${m} | ${seg} | ${a.n.toLocaleString('en-US')} | ${pct(ours)} | ${pct(naive)} | ${ours < naive ? 'better' : '**worse**'} ${((ours / naive - 1) * 100).toFixed(0)} % | ${pct(a.covered / a.n)} (${pct(a.coveredBefore / a.n)}) |`,
      );
    }
  out();
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
  };
  out('## Budget pacing (hourly projections from the hours so far)');
  out();
  out('| measure | figure |');
  out('|---|---|');
  out(`| campaign-days that ran out of budget / did not | ${cappedDays} / ${uncappedDays} |`);
  out(
    `| exhaustion time, median absolute error (every hourly projection before the cap; "none" counts as 24:00) | ${q(exhaustionErrors, 0.5).toFixed(2)} h (P90 ${q(exhaustionErrors, 0.9).toFixed(2)} h, ${exhaustionErrors.length} projections) |`,
  );
  out(
    `| actual exhaustion inside the projected P10–P90 (before calibration: spread 1) | ${pct(exhaustionCovered / Math.max(1, exhaustionErrors.length))} (${pct(exhaustionCoveredBefore / Math.max(1, exhaustionErrors.length))}) |`,
  );
  out(
    `| lead of the first \`overpacing\` before the 90 % usage point (ran-out days) | median ${q(leads, 0.5).toFixed(1)} h, P10 ${q(leads, 0.1).toFixed(1)} h, P90 ${q(leads, 0.9).toFixed(1)} h |`,
  );
  out(
    `| ran-out days never called \`overpacing\` before the cap / called only after 90 % | ${missed} / ${cappedLateWarned} |`,
  );
  out(
    `| false alarms: days that did not run out but were called \`overpacing\` at some hour | ${pct(falseAlarms / Math.max(1, uncappedDays))} (with the default rule "P50 before 21:00": ${pct(falseAlarmsRule / Math.max(1, uncappedDays))}) |`,
  );
  out();
  out(
    '## `outside_forecast` on the local day (spend or clicks outside P10–P90 of the day, ≥ 20 clicks, uncapped days)',
  );
  out();
  out('| measure | figure |');
  out('|---|---|');
  out(`| campaign-days judged / uncapped | ${band.judged} / ${band.days} |`);
  const perDay = (n: number) => `${(n / Math.max(1, band.judged)).toFixed(3)} (${n})`;
  out(
    `| alerts per campaign-day, band as is: spend / clicks / either | ${perDay(band.spend0)} / ${perDay(band.clicks0)} / ${perDay(band.any0)} |`,
  );
  out(`| alerts per campaign-day, band widened by 25 % (threshold 25) | ${perDay(band.any25)} |`);
  out();
  out(
    `backtest: ${fits.toLocaleString('en-US')} fits in ${(backtestMs / 1000).toFixed(1)} s (forecasts and 24 pacing projections each)`,
  );
  out();

  // ---- cost: fit + 24 h forecast + one pacing projection for COST campaigns (the simulated series, reused)
  if (COST > 0) {
    const t = days - 1;
    t0 = process.hrtime.bigint();
    const parents = parentProfiles(byAdvertiser, () => t);
    const parentMs = ms(t0);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < COST; i++) {
      const c = campaigns[i % campaigns.length];
      const model = fitCampaign(c.series, { asOfDay: t, weeks: WEEKS, parent: parents.get(c.advertiser) });
      forecastHours(model, c.series, { fromHour: 12, horizon: 24, budget: c.budget[t] });
      pacingFromModel(model, c.series, { budget: c.budget[t].toFixed(2), nowHour: 12 });
    }
    const costMs = ms(t0);
    out('## Cost');
    out();
    out(
      `| ${COST.toLocaleString('en-US')} campaigns: fit (${WEEKS} weeks hourly) + 24 h forecast + pacing projection | ${(costMs / 1000).toFixed(2)} s (${((costMs / COST) * 1000).toFixed(0)} µs each; advertiser + global profiles ${parentMs.toFixed(0)} ms) | ${machine} |`,
    );
    out('|---|---|---|');
  }
}

main();
