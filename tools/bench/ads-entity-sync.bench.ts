/**
 * The connector's entity sync of one profile with 50,000 SP keywords (keywordHeavySeed), end to end: the Ads API
 * emulator in a process of its own, the built connector (dist/apps/connector, `npx nx build connector` first) as
 * another process on a fresh test database of the machine's PostgreSQL and the machine's NATS, and this process
 * sending `cmd.connector.entities-sync.v1` and timing the answer. The figures: wall time of the sync (every page
 * listed and written in one transaction), rows in ads_entity, and the connector process's RSS before the sync and
 * its peak (VmHWM, which includes start-up). Prints one JSON line and a Markdown row.
 *
 *   npx nx build connector && npx ts-node --transpile-only -P tools/tsconfig.json -r ./tools/register-paths.js \
 *     tools/bench/ads-entity-sync.bench.ts [--keywords 50000] [--page-size 1000]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { CONNECTOR_ENTITIES_SYNC, CONNECTOR_PROFILES_SYNC } from '@ams/contracts';
import { connectorEnvFor } from '@ams/ads-api-emulator';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, deleteStreams, startApp, uniquePrefix } from '@ams/testing';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** A field of /proc/<pid>/status in MB (VmRSS now, VmHWM the peak). */
function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Math.round(Number(/(\d+)/.exec(line)?.[1]) / 1024);
}

async function startEmulator(root: string, keywords: number) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TS_NODE_')));
  const child = spawn(
    process.execPath,
    [
      resolve(root, 'node_modules/ts-node/dist/bin.js'),
      '--transpile-only',
      '-P',
      'tools/tsconfig.json',
      'tools/ads-api-emulator/src/main.ts',
      '--port',
      '0',
      '--keywords',
      String(keywords),
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const started = await new Promise<{ url: string; tokenUrl: string; profiles: string[] }>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('the emulator did not start within 60 s')), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        ok(JSON.parse(out.split('\n')[0]));
      }
    });
    child.once('exit', (code) => fail(new Error(`the emulator exited ${code}`)));
  });
  return { child, ...started };
}

async function main(): Promise<void> {
  const keywords = arg('--keywords', 50_000);
  const pageSize = arg('--page-size', 1000);
  const root = resolve(__dirname, '../..');
  const emu = await startEmulator(root, keywords);
  const db = await createTestDatabase();
  const prefix = uniquePrefix('bench_connector');
  const js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'bench-connector' });
  const app = await startApp('connector', {
    DATABASE_URL: db.url,
    NATS_URL: DEFAULT_NATS_URL,
    NATS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    ...connectorEnvFor(emu),
    ADS_SYNC_ON_START: 'false',
    ADS_ENTITY_PAGE_SIZE: String(pageSize),
  });
  const pg = new Client({ connectionString: db.url });
  try {
    await app.waitReady(60_000);
    await js.connect();
    await pg.connect();
    const profiles = await js.request(CONNECTOR_PROFILES_SYNC, {}, 60_000);
    if (profiles.failures.length) throw new Error(`profile sync failed: ${JSON.stringify(profiles.failures)}`);
    const profileId = emu.profiles[0];
    const rssBeforeMb = procMb(app.pid, 'VmRSS');
    const t0 = process.hrtime.bigint();
    const reply = await js.request(CONNECTOR_ENTITIES_SYNC, { profileId }, 600_000);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const result = reply.results[0];
    if (result?.status !== 'ok') throw new Error(`entity sync failed: ${result?.error}`);
    const peakRssMb = procMb(app.pid, 'VmHWM');
    const rssAfterMb = procMb(app.pid, 'VmRSS');
    const [{ rows, keywordRows }] = (
      await pg.query(
        `SELECT count(*)::int AS rows, count(*) FILTER (WHERE target_kind = 'keyword')::int AS "keywordRows"
         FROM ads_entity WHERE profile_id = $1`,
        [profileId],
      )
    ).rows as Array<{ rows: number; keywordRows: number }>;
    if (keywordRows !== keywords) throw new Error(`${keywordRows} keyword rows written, expected ${keywords}`);
    const figures = {
      bench: 'connector entity sync',
      keywords,
      pageSize,
      pages: result.counts['pages'],
      rows,
      seconds: +seconds.toFixed(2),
      rowsPerSecond: Math.round(rows / seconds),
      rssBeforeMb,
      peakRssMb,
      rssAfterMb,
      cores: cpus().length,
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    process.stdout.write(
      `| ${keywords} keywords, pages of ${pageSize} | ${figures.seconds} s | ${rows} rows (${figures.rowsPerSecond}/s) | ` +
        `RSS ${rssBeforeMb} MB before, peak ${peakRssMb} MB | ${figures.cores} cores |\n`,
    );
  } finally {
    await app.stop().catch(() => undefined);
    await js.close().catch(() => undefined);
    await pg.end().catch(() => undefined);
    await deleteStreams(prefix).catch(() => undefined);
    await db.drop();
    emu.child.kill('SIGTERM');
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.message}\n`);
  process.exit(1);
});
