/** The baseline every forecast here is measured against: seasonal naive, the same local hour a week before. */
import { HOURS, type HourlySeries, type Metric } from './series';

/** The value at (day, hour) one week earlier, for `horizon` hours from (day, fromHour); NaN where unknown. */
export function seasonalNaive(
  series: HourlySeries,
  metric: Metric,
  day: number,
  fromHour: number,
  horizon = 24,
): number[] {
  const out: number[] = [];
  for (let k = 0; k < horizon; k++) {
    const i = day * HOURS + fromHour + k - 7 * HOURS;
    out.push(i >= 0 && i < series.days * HOURS ? series[metric][i] : NaN);
  }
  return out;
}
