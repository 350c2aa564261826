/**
 * What every fault-suite file shares: the sizes, one lab per file (its own NATS, PostgreSQL, SQS endpoint and
 * apps, so files run side by side), `run` (send a load, break something once enough is stored, wait for exact
 * totals), the exactness checks and the table of figures each file prints (and a full-size run of all its
 * scenarios writes to bench/results/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, workspaceRoot } from '@ams/testing';
import { Check, FaultLab, FaultLabOptions, Truth } from './fault-lab';

export const FULL = process.env['FAULT_SIZE'] === 'full';
/** simulator flags of one load, and the pace it is sent at */
export const LOAD = FULL
  ? ['--hours', '48', '--advertisers', '3', '--campaigns', '5']
  : ['--hours', '8', '--advertisers', '2', '--campaigns', '2'];
export const SPEED = FULL ? 1500 : 400;
const SETTLE_MS = FULL ? 240_000 : 150_000;

export interface Row {
  scenario: string;
  sent: number;
  check: Check;
  recoveryMs: number;
  note: string;
}

export interface RunOptions {
  seed: number;
  args?: string[];
  speed?: number;
  repeat?: number;
  startAfter?: number;
  env?: Record<string, string>;
  note?: string;
  maxReceiveCount?: number;
}

export interface FaultSuite {
  /** The file's lab (opened in its beforeAll: read it inside a scenario). */
  readonly lab: FaultLab;
  run(scenario: string, opts: RunOptions, fault?: (loadSent: () => boolean) => Promise<void>): Promise<Row>;
  expectExact(row: Row): void;
}

/**
 * A describe block with a lab of its own (`lab`: how to open it, e.g. with a NATS cluster). `results` names the file a
 * full-size run of all `scenarios` writes (a filtered run, -t, never replaces it with its few rows).
 */
export function describeFaults(
  title: string,
  opts: { results: string; scenarios: number; lab?: FaultLabOptions },
  body: (suite: FaultSuite) => void,
): void {
  describe(`${title} (${FULL ? 'full' : 'ci'} size)`, () => {
    let lab: FaultLab;
    const rows: Row[] = [];
    beforeAll(async () => {
      lab = await FaultLab.open(opts.lab);
    }, 120_000);
    afterAll(async () => {
      await lab?.close();
      if (rows.length) report(title, rows, opts);
    }, 120_000);

    /** Sends a load, runs `fault` once `startAfter` records are stored, then waits for exact totals. */
    const run = async (
      scenario: string,
      opts: RunOptions,
      fault: (loadSent: () => boolean) => Promise<void> = async () => undefined,
    ): Promise<Row> => {
      await lab.begin(opts.env, { maxReceiveCount: opts.maxReceiveCount });
      const repeat = opts.repeat ?? 1;
      const load = lab.load(
        [
          ...(opts.args ?? LOAD),
          '--seed',
          String(opts.seed),
          '--speed',
          String(opts.speed ?? SPEED),
          '--anomaly',
          'out-of-budget',
        ],
        0,
      );
      let truth: Truth | undefined;
      load.done.then((t) => (truth = t)).catch(() => undefined);
      // a trickle (scenario 7 at CI size: 10 messages/s) needs 40 s of sending to reach its mark, more on a machine
      // shared with the other fault file: the wait is bounded generously, it ends as soon as the mark is reached
      if (opts.startAfter !== undefined) await lab.storedAtLeast(opts.startAfter, 180_000);
      await fault(() => truth !== undefined);
      const faultEnded = Date.now();
      const t = await load.done;
      const settled = await lab.settle(t, repeat, SETTLE_MS);
      const row: Row = {
        scenario,
        sent: t.messages.total * repeat,
        check: settled.check,
        recoveryMs: Date.now() - faultEnded,
        note: opts.note ?? '',
      };
      rows.push(row);
      const c = settled.check;
      if (
        c.mismatches.length ||
        c.storedRecords !== c.expectedRecords ||
        c.notificationsDelivered !== c.notificationsExpected
      ) {
        process.stdout.write(`\n${scenario} did not settle; ${await lab.diagnose()}\n`);
      }
      expect(truth).toBeDefined();
      return row;
    };

    const expectExact = (row: Row) => {
      const c = row.check;
      expect(c.mismatches).toEqual([]);
      expect(c.storedRecords).toBe(c.expectedRecords);
      expect(c.quarantineActual).toEqual(c.quarantineExpected);
      expect(c.missingAlerts).toEqual([]);
      expect(c.notificationsExpected).toBeGreaterThan(0);
      expect(c.notificationsDelivered).toBe(c.notificationsExpected);
      expect(c.notificationsDoubled).toBe(0);
    };

    body({
      get lab() {
        return lab;
      },
      run,
      expectExact,
    });
  });
}

/** Keeps a fault in place for `ms` (the outage's length is the point, not an outcome to wait for). */
export async function hold(ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  await waitFor(() => Date.now() >= until, { timeoutMs: ms + 5_000, intervalMs: 250, description: what });
}

function report(title: string, all: Row[], opts: { results: string; scenarios: number }): void {
  const n = (v: number) => v.toLocaleString('en-US');
  const head =
    '| scenario | SQS messages sent | records expected | records stored | lost | doubled | totals exact | quarantine exact | notifications due / delivered (repeats) | recovery | fault |';
  const lines = all.map((r) => {
    const c = r.check;
    return `| ${r.scenario} | ${n(r.sent)} | ${n(c.expectedRecords)} | ${n(c.storedRecords)} | ${n(Math.max(0, c.expectedRecords - c.storedRecords))} | ${n(Math.max(0, c.storedRecords - c.expectedRecords))} | ${c.mismatches.length === 0 ? 'yes' : `no (${c.mismatches.length})`} | ${c.quarantineActual.join() === c.quarantineExpected.join() ? `yes (${c.quarantineActual.length})` : 'no'} | ${c.notificationsExpected} / ${c.notificationsDelivered} (${c.notificationsInDoubt + c.notificationsDoubled}) | ${(r.recoveryMs / 1000).toFixed(1)} s | ${r.note} |`;
  });
  const table = [head, '|---|---:|---:|---:|---:|---:|---|---|---|---:|---|', ...lines].join('\n');
  const text = `Fault suite, ${title}, ${FULL ? 'full' : 'ci'} size, ${new Date().toISOString()}\n\n${table}\n`;
  writeResults(text, opts.results, all.length === opts.scenarios);
}

/**
 * Prints a file's table and, for a full-size run of all its scenarios (`complete`), writes it to bench/results/`file`
 * (the README quotes the full-size tables; a filtered run, -t, must not replace a whole table with its few rows).
 */
export function writeResults(text: string, file: string, complete: boolean): void {
  process.stdout.write(`\n${text}\n`);
  if (!FULL) return;
  if (!complete) {
    process.stdout.write(`bench/results/${file} left as it is: a filtered run\n`);
    return;
  }
  const dir = join(workspaceRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), text);
}
