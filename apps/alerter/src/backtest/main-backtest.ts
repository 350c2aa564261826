/**
 * `npm run backtest -- --rule <file.json> --from <ISO|YYYY-MM-DD> --to <…> [--advertiser ID] [--window-hours N] [--json]`
 *
 * Replays the stored history through the alerter's judges and prints what an action rule would have done, in one
 * transaction that is rolled back. The database is the alerter's (DATABASE_URL, validated as the alerter's env).
 * Exit codes: 0 done, 2 bad arguments or rule file (naming the field), 78 bad environment, 1 anything else.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Logger, type LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@ams/db';
import { ConfigError, loadConfig } from '@ams/platform';
import { AlerterEnv } from '../config/alerter.env';
import { BacktestInputError, createBacktest, parseBacktestRule } from './backtest';
import { formatBacktest } from './backtest-report';

const USAGE = `usage: npm run backtest -- --rule <file.json> --from <ISO|YYYY-MM-DD> --to <ISO|YYYY-MM-DD>
       [--advertiser ID] [--window-hours N] [--json]
A date is the advertiser's local midnight; an instant without an offset is UTC; --to is exclusive.`;

class UsageError extends Error {}

/** Warnings and errors as single lines on stderr; stdout carries only the report. */
class StderrLogger implements LoggerService {
  log(): void {
    /* proposals are in the report */
  }
  warn(message: unknown, context?: string): void {
    process.stderr.write(`warn ${context ?? ''}: ${text(message)}\n`);
  }
  error(message: unknown, context?: string): void {
    process.stderr.write(`error ${context ?? ''}: ${text(message)}\n`);
  }
}

function text(m: unknown): string {
  return typeof m === 'string' ? m : JSON.stringify(m);
}

function options(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        rule: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        advertiser: { type: 'string' },
        'window-hours': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.help) return null;
  for (const k of ['rule', 'from', 'to'] as const) if (!parsed[k]) throw new UsageError(`--${k}: required`);
  const windowHours = parsed['window-hours'] === undefined ? 6 : Number(parsed['window-hours']);
  if (!Number.isInteger(windowHours) || windowHours < 1 || windowHours > 168) {
    throw new UsageError('--window-hours: an integer from 1 to 168');
  }
  return { ...parsed, rule: parsed.rule as string, from: parsed.from as string, to: parsed.to as string, windowHours };
}

function readRule(file: string) {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--rule: ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = parseBacktestRule(json);
  if (!parsed.ok) throw new UsageError(`--rule: ${file}: ${parsed.problems}`);
  return parsed.rule;
}

async function main(argv: string[]): Promise<number> {
  const opts = options(argv);
  if (!opts) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const rule = readRule(opts.rule);
  const env = loadConfig('alerter', AlerterEnv);
  Logger.overrideLogger(new StderrLogger());
  const ds = new DataSource(
    dataSourceOptions({ url: env.DATABASE_URL, poolSize: 2, applicationName: 'alerter-backtest' }),
  );
  await ds.initialize();
  try {
    const report = await createBacktest(env, ds).run({
      rule,
      from: opts.from,
      to: opts.to,
      advertiserId: opts.advertiser,
      windowHours: opts.windowHours,
    });
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatBacktest(report)}\n`);
    return 0;
  } finally {
    await ds.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof BacktestInputError) {
      process.stderr.write(`backtest: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`backtest failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
