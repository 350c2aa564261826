import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
  dash?: number[];
  /** how a value is written in the legend */
  format?: (v: number) => string;
}

/** A time tick in the advertiser's zone: its date at local midnight ("7 Dec"), else the hour ("08:00"). */
export function timeTick(seconds: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(seconds * 1000);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return get('hour') === '00' && get('minute') === '00'
    ? `${get('day')} ${get('month')}`
    : `${get('hour')}:${get('minute')}`;
}

export interface ChartMarker {
  /** same unit as `x` */
  x: number;
  label: string;
  color: string;
}

/**
 * A uPlot line chart: `x` in seconds (time axis in `timeZone`) or plain numbers (hours: `xKind: 'hour'`). Drag
 * across it to zoom, double-click or "Reset zoom" to see everything. Markers (alerts, actions) are vertical lines.
 * The chart is an image to screen readers (`label`); each page gives the same figures in a table.
 */
export function LineChart({
  x,
  series,
  xKind,
  timeZone,
  label,
  markers = [],
  height = 260,
  zoom = false,
}: {
  x: number[];
  series: ChartSeries[];
  xKind: 'time' | 'hour';
  timeZone: string;
  label: string;
  markers?: ChartMarker[];
  height?: number;
  zoom?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [failed, setFailed] = useState(false);
  const markersRef = useRef(markers);
  markersRef.current = markers;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth || 600);
    const opts: uPlot.Options = {
      width,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), timeZone),
      cursor: { drag: { x: zoom, y: false } },
      scales: { x: { time: xKind === 'time' } },
      legend: { live: true },
      axes: [
        xKind === 'hour'
          ? { values: (_u, ticks) => ticks.map((t) => `${String(t).padStart(2, '0')}:00`), stroke: '#333' }
          : { stroke: '#333', values: (_u, ticks) => ticks.map((t) => timeTick(t, timeZone)) },
        { stroke: '#333', size: 70, values: (_u, ticks) => ticks.map((t) => series[0]?.format?.(t) ?? String(t)) },
      ],
      series: [
        {
          label: xKind === 'hour' ? 'Hour' : 'Local time',
          value: (_u, v) =>
            v == null
              ? '—'
              : xKind === 'hour'
                ? `${String(v).padStart(2, '0')}:00`
                : new Intl.DateTimeFormat('en-GB', {
                    timeZone,
                    dateStyle: 'medium',
                    timeStyle: 'short',
                    hourCycle: 'h23',
                  }).format(v * 1000),
        },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          dash: s.dash,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : (s.format?.(v) ?? String(v))),
        })),
      ],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            for (const m of markersRef.current) {
              const px = u.valToPos(m.x, 'x', true);
              if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) continue;
              ctx.strokeStyle = m.color;
              ctx.lineWidth = 2 * (window.devicePixelRatio || 1);
              ctx.setLineDash([4, 4]);
              ctx.beginPath();
              ctx.moveTo(px, u.bbox.top);
              ctx.lineTo(px, u.bbox.top + u.bbox.height);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    };
    let u: uPlot;
    // no 2D canvas (an old or headless browser without one, a DOM emulation): the tables still say it all
    if (!document.createElement('canvas').getContext('2d')) {
      setFailed(true);
      return;
    }
    try {
      u = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    } catch {
      setFailed(true);
      return;
    }
    plot.current = u;
    const ro =
      typeof ResizeObserver === 'undefined'
        ? undefined
        : new ResizeObserver(() => {
            const w = el.clientWidth;
            if (w > 0 && Math.abs(w - u.width) > 2) u.setSize({ width: Math.max(280, w), height });
          });
    ro?.observe(el);
    return () => {
      ro?.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [x, series, xKind, timeZone, height, zoom]);

  const reset = () => {
    const u = plot.current;
    if (u && x.length) u.setScale('x', { min: x[0], max: x[x.length - 1] });
  };

  return (
    <figure class="chart">
      <div ref={host} role="img" aria-label={label} />
      {failed ? <p class="muted">The chart cannot be drawn in this browser; the table below has the figures.</p> : null}
      {zoom ? (
        <button type="button" class="secondary small" onClick={reset}>
          Reset zoom
        </button>
      ) : null}
    </figure>
  );
}
