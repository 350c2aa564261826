import type { BudgetForecast } from '../api/types';
import { formatDateTime, formatMoney } from '../lib/format';

const LABEL = { on_track: 'On track', overpacing: 'Overpacing', underpacing: 'Underpacing' } as const;

/**
 * Today's budget usage against the pacing forecast: spend so far, the P50 projection by local hour with its P10–P90
 * band, the budget line (SVG), and the figures in words.
 */
export function Pacing({ f, currency, timeZone }: { f: BudgetForecast; currency: string | null; timeZone: string }) {
  const w = 560;
  const h = 200;
  const pad = { l: 56, r: 10, t: 10, b: 24 };
  const nowHour = Number(f.asOf.slice(11, 13)) + Number(f.asOf.slice(14, 16)) / 60;
  const budget = Number(f.budget);
  const ymax = Math.max(budget, Number(f.daySpend.p90), ...f.projected.map((p) => Number(p.p90)), 1) * 1.05;
  const x = (hour: number) => pad.l + (hour / 24) * (w - pad.l - pad.r);
  const y = (v: number) => h - pad.b - (v / ymax) * (h - pad.t - pad.b);
  const spent = Number(f.spentSoFar);
  const pts = [
    { hour: nowHour, p10: spent, p50: spent, p90: spent },
    ...f.projected.map((p) => ({ hour: p.hour + 1, p10: Number(p.p10), p50: Number(p.p50), p90: Number(p.p90) })),
  ];
  const band = [
    ...pts.map((p) => `${x(p.hour)},${y(p.p90)}`),
    ...[...pts].reverse().map((p) => `${x(p.hour)},${y(p.p10)}`),
  ].join(' ');
  const median = pts.map((p) => `${x(p.hour)},${y(p.p50)}`).join(' ');
  const money = (v: string | null) => formatMoney(v, currency);
  return (
    <div data-testid="pacing" class="pacing">
      <p>
        <span class={`label ${f.label}`}>{LABEL[f.label]}</span> {money(f.spentSoFar)} of {money(f.budget)} spent by{' '}
        {formatDateTime(f.asOf, timeZone)}; by the end of the day {money(f.daySpend.p50)} expected (P10{' '}
        {money(f.daySpend.p10)}, P90 {money(f.daySpend.p90)}).{' '}
        {f.exhausted
          ? 'The budget ran out.'
          : f.exhaustion.p50
            ? `Projected to run out at ${formatDateTime(f.exhaustion.p50, timeZone)} (earliest ${formatDateTime(f.exhaustion.p10, timeZone)}).`
            : 'Not projected to run out today.'}
      </p>
      <svg
        viewBox={`0 0 ${w} ${h}`}
        width={w}
        role="img"
        aria-label="Spend so far and projected cumulative spend by local hour, with the P10–P90 band and the budget"
      >
        <line x1={pad.l} x2={w - pad.r} y1={y(budget)} y2={y(budget)} stroke="#b00020" stroke-dasharray="5 4" />
        <text x={pad.l + 4} y={y(budget) - 4} font-size="11" fill="#b00020">
          budget {money(f.budget)}
        </text>
        <polygon points={band} fill="#0b5cad" fill-opacity="0.18" />
        <polyline points={median} fill="none" stroke="#0b5cad" stroke-width="2" />
        <line x1={pad.l} x2={x(nowHour)} y1={y(0)} y2={y(spent)} stroke="#1a1a1a" stroke-width="2" />
        <circle cx={x(nowHour)} cy={y(spent)} r="4" fill="#1a1a1a" />
        <line x1={pad.l} x2={w - pad.r} y1={y(0)} y2={y(0)} stroke="#767676" />
        {[0, 6, 12, 18, 24].map((t) => (
          <text key={t} x={x(t) - 10} y={h - 6} font-size="11" fill="#333">
            {String(t).padStart(2, '0')}:00
          </text>
        ))}
        <text x={4} y={y(ymax / 1.05) + 10} font-size="11" fill="#333">
          {(ymax / 1.05).toFixed(0)}
        </text>
      </svg>
      {f.estimatedLoss ? (
        <p class="muted">
          Estimated loss once capped: sales {money(f.estimatedLoss.sales.p50)} (P10 {money(f.estimatedLoss.sales.p10)},
          P90 {money(f.estimatedLoss.sales.p90)}).
        </p>
      ) : null}
      {f.amazonEstimate ? (
        <p class="muted">
          Amazon's estimate ({f.amazonEstimate.window.startDate} – {f.amazonEstimate.window.endDate}): missed sales{' '}
          {f.amazonEstimate.missedSales.lower ?? '?'}–{f.amazonEstimate.missedSales.upper ?? '?'}, suggested budget{' '}
          {f.amazonEstimate.suggestedBudget}
          {f.amazonEstimate.percentTimeInBudget !== null
            ? `, in budget ${Math.round(Number(f.amazonEstimate.percentTimeInBudget) * 100)} % of the time`
            : ''}
          .
        </p>
      ) : null}
    </div>
  );
}
