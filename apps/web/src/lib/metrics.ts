import type { Metrics } from '../api/types';
import { formatCount, formatMoney, formatPercent, formatRatio } from './format';

/** The metrics the pages chart and tile, read from the API's answers as they are (no arithmetic on them). */
export const METRICS = ['spend', 'sales', 'acos', 'roas', 'clicks'] as const;
export type MetricName = (typeof METRICS)[number];

export const METRIC_LABEL: Record<MetricName, string> = {
  spend: 'Spend',
  sales: 'Sales',
  acos: 'ACOS',
  roas: 'ROAS',
  clicks: 'Clicks',
};

/** The API's own value: a decimal string (money), a number (count, ratio) or null (no denominator). */
export function rawValue(m: Metrics, metric: MetricName): string | number | null {
  switch (metric) {
    case 'spend':
      return m.cost;
    case 'sales':
      return m.sales;
    case 'acos':
      return m.acos;
    case 'roas':
      return m.roas;
    case 'clicks':
      return m.clicks;
  }
}

/** For charts and sorting only (a double is fine for a pixel): the API's value as a number. */
export function numericValue(m: Metrics, metric: MetricName): number | null {
  const v = rawValue(m, metric);
  return v === null ? null : Number(v);
}

export function formatMetric(metric: MetricName, v: string | number | null, currency: string | null): string {
  switch (metric) {
    case 'spend':
    case 'sales':
      return formatMoney(v === null ? null : String(v), currency);
    case 'acos':
      return formatPercent(v as number | null);
    case 'roas':
      return formatRatio(v as number | null);
    case 'clicks':
      return formatCount(v as number | null);
  }
}

/** A chart axis/legend value (a double) written like the metric. */
export function formatAxis(metric: MetricName, v: number, currency: string | null): string {
  if (metric === 'spend' || metric === 'sales') {
    if (!currency) return v.toFixed(2);
    try {
      return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 2 }).format(v);
    } catch {
      return v.toFixed(2);
    }
  }
  return metric === 'acos' ? formatPercent(v) : metric === 'roas' ? formatRatio(v) : formatCount(Math.round(v));
}
