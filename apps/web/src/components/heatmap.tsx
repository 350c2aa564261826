import type { PerformanceRow } from '../api/types';
import { addDecimal } from '../lib/decimal';

export const HEAT_METRICS = ['spend', 'sales', 'clicks', 'impressions', 'orders'] as const;
export type HeatMetric = (typeof HEAT_METRICS)[number];
export const HEAT_LABEL: Record<HeatMetric, string> = {
  spend: 'Spend',
  sales: 'Sales',
  clicks: 'Clicks',
  impressions: 'Impressions',
  orders: 'Orders',
};
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * Sums of an additive metric per local weekday (Monday first) and hour over hourly rows: money exactly (decimal
 * strings), counts as integers. Ratios are not offered: they do not add up.
 */
export function heatCells(rows: PerformanceRow[], metric: HeatMetric): string[][] {
  const cells: string[][] = Array.from({ length: 7 }, () => new Array<string>(24).fill('0'));
  for (const r of rows) {
    const day = (new Date(`${r.period.slice(0, 10)}T00:00:00Z`).getUTCDay() + 6) % 7;
    const hour = Number(r.period.slice(11, 13));
    const v = metric === 'spend' ? r.cost : metric === 'sales' ? r.sales : String(r[metric]);
    cells[day][hour] = addDecimal(cells[day][hour], v);
  }
  return cells;
}

function shade(t: number): string {
  // #f0f4f8 → #0b5cad
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(0xf0, 0x0b)},${mix(0xf4, 0x5c)},${mix(0xf8, 0xad)})`;
}

/** An hour × weekday grid of a metric, with a legend and the same figures as a table (for screen readers). */
export function Heatmap({ cells, format, label }: { cells: string[][]; format: (v: string) => string; label: string }) {
  const values = cells.flat().map(Number);
  const max = Math.max(0, ...values);
  const cw = 26;
  const ch = 22;
  const left = 40;
  const top = 18;
  return (
    <div class="heatmap" data-testid="heatmap">
      <svg
        viewBox={`0 0 ${left + 24 * cw} ${top + 7 * ch}`}
        width={left + 24 * cw}
        role="img"
        aria-label={`${label}, by local weekday and hour; the table below has the figures`}
      >
        {Array.from({ length: 24 }, (_, h) =>
          h % 3 === 0 ? (
            <text key={`h${h}`} x={left + h * cw + 2} y={12} font-size="10" fill="#333">
              {String(h).padStart(2, '0')}
            </text>
          ) : null,
        )}
        {cells.map((row, d) => (
          <g key={d}>
            <text x={0} y={top + d * ch + 15} font-size="11" fill="#333">
              {WEEKDAYS[d]}
            </text>
            {row.map((v, h) => (
              <rect
                key={h}
                x={left + h * cw}
                y={top + d * ch}
                width={cw - 2}
                height={ch - 2}
                fill={shade(max > 0 ? Math.max(0, Number(v)) / max : 0)}
              >
                <title>{`${WEEKDAYS[d]} ${String(h).padStart(2, '0')}:00 — ${format(v)}`}</title>
              </rect>
            ))}
          </g>
        ))}
      </svg>
      <p class="legend">
        <span>{format('0')}</span>
        <span class="ramp" aria-hidden="true" />
        <span>{format(String(max))}</span>
      </p>
      <details>
        <summary>The heatmap as a table</summary>
        <div class="table-wrap">
          <table>
            <caption>{label} by local weekday and hour</caption>
            <thead>
              <tr>
                <th scope="col">Hour</th>
                {WEEKDAYS.map((w) => (
                  <th key={w} scope="col" class="num">
                    {w}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: 24 }, (_, h) => (
                <tr key={h}>
                  <th scope="row">{String(h).padStart(2, '0')}:00</th>
                  {cells.map((row, d) => (
                    <td key={d} class="num">
                      {format(row[h])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
