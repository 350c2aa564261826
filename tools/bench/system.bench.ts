/**
 * `npm run bench` — the system benchmark: runs the ingestion benchmark (processor stage, naive
 * mode, end to end, SQS→commit, aggregator and SQS→Slack delays under load, peak RSS) and the api
 * benchmark, then writes bench/results/<date>.json and a Markdown table (also printed).
 *
 * Flags are passed through: --api-rows N (10000000), --records N, --e2e N, --seconds N.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const value = (flag: string, fallback: string) => {
  const i = args.indexOf(`--${flag}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};

function run(script: string, extra: string[]): Array<[string, string]> {
  const out = spawnSync(
    'npx',
    ['ts-node', '--transpile-only', '-P', 'tools/tsconfig.json', '-r', './tools/register-paths.js', script, ...extra],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  process.stdout.write(out.stdout);
  if (out.status !== 0) throw new Error(`${script} exited with ${out.status}`);
  // two-column rows only: the ingest bench's side-by-side table of the SQS ceilings is printed, not stored
  return [...out.stdout.matchAll(/^\| (?!measure)([^|]+?) \| ([^|]+?) \|$/gm)]
    .filter((m) => !m[1].startsWith('---'))
    .map((m) => [m[1].trim(), m[2].trim()]);
}

const ingest = run('tools/bench/ingest.bench.ts', [
  '--records',
  value('records', '100000'),
  '--e2e',
  value('e2e', '20000'),
  '--seconds',
  value('seconds', '15'),
]);
const api = run('tools/bench/api.bench.ts', ['--rows', value('api-rows', '10000000'), '--keep']).map(
  ([k, v]) => [`api: ${k}`, v] as [string, string],
);

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
const date = new Date().toISOString();
const rows = [...ingest, ...api];
const dir = join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const stem = join(dir, date.slice(0, 10));
writeFileSync(`${stem}.json`, JSON.stringify({ date, machine, results: Object.fromEntries(rows) }, null, 2) + '\n');
const md = [
  `Run ${date} on ${machine}.`,
  '',
  '| measure | figure |',
  '|---|---|',
  ...rows.map(([k, v]) => `| ${k} | ${v} |`),
  '',
].join('\n');
writeFileSync(`${stem}.md`, md);
console.log(`\n${md}\nwritten: ${stem}.json, ${stem}.md`);
