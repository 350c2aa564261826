/** `npm run simulate -- [flags]`: parsing and checking the flags (pure). */
import { ANOMALIES, type AnomalyKind } from './market-scenario';
import { HOUR_MS } from './time-zones';

export interface CliOptions {
  hours: number;
  advertisers: number;
  campaigns: number;
  seed: number;
  /** messages per second, or null for as fast as SQS takes them */
  speed: number | null;
  /** UTC ms, hour-aligned, exclusive end of the simulated history */
  endMs: number;
  out: string | null;
  anomalies: AnomalyKind[];
  dryRun: boolean;
  verify: boolean;
  verifyTimeoutS: number;
  /** send the whole message list this many times (a duplicate flood) */
  repeat: number;
  /** arrival order, reversed (restatements before what they correct), or shuffled (seeded) */
  order: DeliveryOrder;
  /** realistic traffic (realism.ts): mixed sizes, weekdays, trend, promotions, count noise, budgets that cap */
  realism: boolean;
  help: boolean;
}

export const DELIVERY_ORDERS = ['arrival', 'reversed', 'shuffled'] as const;
export type DeliveryOrder = (typeof DELIVERY_ORDERS)[number];

export const USAGE = `npm run simulate -- [flags]

Sends realistic Amazon Marketing Stream (v1) traffic to the SQS queue (SQS_QUEUE_URLS, first entry;
SQS_ENDPOINT; default: the queue of a running \`npm start\`, else fauxqs on 127.0.0.1:9324) and writes
the expected totals (the ground truth) to a file.

  --hours N          simulated history, at least the last N hours (each advertiser starts at a local midnight) [48]
  --advertisers N    advertisers, taking turns US (Los Angeles), DE (Berlin), JP (Tokyo)              [3]
  --campaigns N      campaigns per advertiser (SP, SP, SB, SD, SP, ...)                                 [5]
  --seed N           same seed, same messages (idempotency ids included)                                [42]
  --speed max|N      send as fast as possible, or N messages per second                                 [max]
  --end ISO          end of the history (exclusive), rounded down to the hour                           [now]
  --out FILE         ground-truth file                             [.data/simulator/ground-truth-<seed>.json]
  --anomaly KIND     inject ctr-collapse | spend-spike | out-of-budget into a campaign of the first
                     advertiser (repeatable)
  --dry-run          write the ground truth, send nothing
  --verify           after sending, poll the api until its daily totals equal the ground truth
                     (API_URL and API_KEY, default: those of a running \`npm start\`)
  --verify-timeout S give up verifying after S seconds                                                  [180]
  --order ORDER      arrival | reversed (restatements before the records they correct) | shuffled   [arrival]
  --repeat N         send every message N times (a duplicate flood; the ground truth is unchanged)     [1]
  --realism          realistic traffic: campaigns of mixed size (small ones zero-inflated), day-of-week
                     effects, a trend, promotion days, negative-binomial counts, budgets that cap
                     (off: the smooth default traffic, unchanged)
`;

export function parseCli(argv: string[], nowMs: number): CliOptions | { error: string } {
  const o: CliOptions = {
    hours: 48,
    advertisers: 3,
    campaigns: 5,
    seed: 42,
    speed: null,
    endMs: Math.floor(nowMs / HOUR_MS) * HOUR_MS,
    out: null,
    anomalies: [],
    dryRun: false,
    verify: false,
    verifyTimeoutS: 180,
    repeat: 1,
    order: 'arrival',
    realism: false,
    help: false,
  };
  const int = (flag: string, v: string | undefined, min: number, max: number): number | { error: string } => {
    if (v === undefined || !/^\d+$/.test(v)) return { error: `${flag} needs a whole number` };
    const n = Number(v);
    return n < min || n > max ? { error: `${flag} must be between ${min} and ${max}` } : n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const [name, inline] = flag.includes('=')
      ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)]
      : [flag, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    let r: number | { error: string };
    switch (name) {
      case '--hours':
        if (typeof (r = int(name, value(), 1, 24 * 90)) !== 'number') return r;
        o.hours = r;
        break;
      case '--advertisers':
        if (typeof (r = int(name, value(), 1, 100)) !== 'number') return r;
        o.advertisers = r;
        break;
      case '--campaigns':
        if (typeof (r = int(name, value(), 1, 200)) !== 'number') return r;
        o.campaigns = r;
        break;
      case '--seed':
        if (typeof (r = int(name, value(), 0, 2 ** 31 - 1)) !== 'number') return r;
        o.seed = r;
        break;
      case '--speed': {
        const v = value();
        if (v === 'max') o.speed = null;
        else if (typeof (r = int(name, v, 1, 1_000_000)) !== 'number')
          return { error: '--speed must be max or a number of messages per second' };
        else o.speed = r;
        break;
      }
      case '--end': {
        const v = value();
        const t = v === undefined ? NaN : Date.parse(v);
        if (!Number.isFinite(t) || !/(Z|[+-]\d{2}:?\d{2})$/.test(v ?? ''))
          return { error: '--end must be an ISO-8601 date-time with an offset, e.g. 2025-06-04T00:00:00Z' };
        o.endMs = Math.floor(t / HOUR_MS) * HOUR_MS;
        break;
      }
      case '--out': {
        const v = value();
        if (!v) return { error: '--out needs a file name' };
        o.out = v;
        break;
      }
      case '--anomaly': {
        const v = value() as AnomalyKind | undefined;
        if (!v || !ANOMALIES.includes(v)) return { error: `--anomaly must be one of ${ANOMALIES.join(', ')}` };
        if (!o.anomalies.includes(v)) o.anomalies.push(v);
        break;
      }
      case '--dry-run':
        o.dryRun = true;
        break;
      case '--verify':
        o.verify = true;
        break;
      case '--verify-timeout':
        if (typeof (r = int(name, value(), 1, 3600)) !== 'number') return r;
        o.verifyTimeoutS = r;
        break;
      case '--repeat':
        if (typeof (r = int(name, value(), 1, 10)) !== 'number') return r;
        o.repeat = r;
        break;
      case '--order': {
        const v = value() as DeliveryOrder | undefined;
        if (!v || !DELIVERY_ORDERS.includes(v))
          return { error: `--order must be one of ${DELIVERY_ORDERS.join(', ')}` };
        o.order = v;
        break;
      }
      case '--realism':
        o.realism = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        return { error: `unknown flag ${flag} (see --help)` };
    }
  }
  if (o.dryRun && o.verify) return { error: '--verify needs messages sent: drop --dry-run' };
  return o;
}
