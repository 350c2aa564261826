import { clockText, formatMoney, parseMoney } from '@ams/forecast';
import type { AlertMetric } from '@ams/contracts';
import { formatValue, metricUnit } from '../rules/rule.logic';
import type { NotificationFact } from './alert-plan.logic';
import type { ForecastBand } from './condition.logic';
import type { CampaignPacing } from './pacing.service';

/**
 * What a pacing alert's message says beyond the rule: the projected local time the budget runs out and its P10–P90
 * interval (P10 the earliest), the spend so far against the budget, and the day's pacing label.
 */
export function pacingFacts(p: Pick<CampaignPacing, 'projection'>): NotificationFact[] {
  const { exhaustion: e, spentSoFar, budget, label, exhausted } = p.projection;
  const t = (h: number | null) => (h === null ? 'after 24:00' : clockText(h));
  const facts: NotificationFact[] = [];
  if (exhausted) facts.push({ label: 'Ran out at', value: `${t(e.p50)} (local)` });
  else if (e.p50 === null) facts.push({ label: 'Projected out of budget', value: 'not today' });
  else
    facts.push({
      label: 'Projected out of budget',
      value: `${t(e.p50)} local (P10–P90 ${t(e.p10)}–${t(e.p90)})`,
    });
  const pct = parseMoney(budget) > 0 ? Math.round((parseMoney(spentSoFar) / parseMoney(budget)) * 100) : 0;
  facts.push({ label: 'Spent', value: `${formatMoney(parseMoney(spentSoFar))} of ${budget} (${pct} %)` });
  facts.push({ label: 'Pacing', value: label });
  return facts;
}

/** What an `outside_forecast` alert's message says: the actual against the expected band (and its P50). */
export function bandFacts(metric: AlertMetric, actual: string | null, band: ForecastBand): NotificationFact[] {
  const unit = metricUnit(metric);
  const f = (x: number) => formatValue(x.toFixed(4), unit);
  return [
    { label: 'Actual', value: formatValue(actual, unit) },
    { label: 'Expected (P10–P90)', value: `${f(band.p10)} – ${f(band.p90)} (P50 ${f(band.p50)})` },
  ];
}
