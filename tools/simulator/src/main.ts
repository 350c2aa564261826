/**
 * `npm run simulate` — realistic Amazon Marketing Stream traffic into SQS, and its ground truth.
 * See cli-options.ts (USAGE) and the README.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { verifyAgainstApi } from './api-verifier';
import { parseCli, USAGE, type CliOptions } from './cli-options';
import { deliveryPlan } from './delivery-order';
import { buildGroundTruth } from './ground-truth';
import { sendAll } from './sqs-sender';
import { simulate } from './traffic-generator';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const say = (line: string) => process.stdout.write(`simulate │ ${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function workspaceRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

interface ServicesFile {
  launcherPid: number;
  apiUrl: string;
  apiKey: string;
  sqs: { endpoint: string | null; queueUrl: string; region: string };
}

/** What a running `npm start` wrote (only while it runs). */
function launcherServices(root: string, env: NodeJS.ProcessEnv): ServicesFile | null {
  const dir = env['LAUNCHER_DATA_DIR'] ? resolve(env['LAUNCHER_DATA_DIR']) : join(root, '.data');
  const file = join(dir, 'launcher', 'services.json');
  if (!existsSync(file)) return null;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as ServicesFile;
    process.kill(s.launcherPid, 0);
    return s;
  } catch {
    return null;
  }
}

function sqsTarget(
  env: NodeJS.ProcessEnv,
  services: ServicesFile | null,
): { queueUrl: string; endpoint: string | null; region: string; source: string } {
  const first = (env['SQS_QUEUE_URLS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .find(Boolean);
  if (first)
    return {
      queueUrl: first,
      endpoint: env['SQS_ENDPOINT'] || null,
      region: env['AWS_REGION'] || 'us-east-1',
      source: 'SQS_QUEUE_URLS',
    };
  if (services) return { ...services.sqs, source: 'the running npm start' };
  return {
    queueUrl: 'http://sqs.us-east-1.localhost:9324/000000000000/ams-stream',
    endpoint: env['SQS_ENDPOINT'] || 'http://127.0.0.1:9324',
    region: 'us-east-1',
    source: 'the default local endpoint (fauxqs of npm start)',
  };
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCli(argv, Date.now());
  if ('error' in parsed) {
    process.stderr.write(`simulate │ ${parsed.error}\n`);
    return 2;
  }
  const o: CliOptions = parsed;
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const root = workspaceRoot();
  const services = launcherServices(root, env);
  const target = sqsTarget(env, services);
  const out = o.out ? resolve(o.out) : join(root, '.data', 'simulator', `ground-truth-${o.seed}.json`);

  const t0 = Date.now();
  const sim = simulate({
    seed: o.seed,
    advertisers: o.advertisers,
    campaigns: o.campaigns,
    hours: o.hours,
    endMs: o.endMs,
    anomalies: o.anomalies,
    ...(o.realism ? { realism: true } : {}),
  });
  const truth = buildGroundTruth(sim, { queueUrl: target.queueUrl, endpoint: target.endpoint });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(truth, null, 2)}\n`);
  const kinds = Object.entries(truth.messages.byKind)
    .map(([k, n]) => `${fmt(n)} ${k}`)
    .join(', ');
  say(
    `${o.advertisers} advertisers × ${o.campaigns} campaigns, ${truth.advertisers.map((a) => `${a.country} ${a.from}..${a.to}`).join(', ')}, seed ${o.seed}`,
  );
  say(`${fmt(sim.messages.length)} messages: ${kinds}`);
  for (const a of truth.anomalies)
    say(
      `anomaly ${a.kind}: campaign ${a.campaignId} (${a.campaignName}) on ${a.date}; expect ${a.expectedAlerts.join(' and ')}`,
    );
  say(
    `ground truth written to ${relative(process.cwd(), out).startsWith('..') ? out : relative(process.cwd(), out)} (${Date.now() - t0} ms)`,
  );
  if (o.dryRun) return 0;

  const credentials =
    target.endpoint && !env['AWS_ACCESS_KEY_ID']
      ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
      : {};
  const plan = deliveryPlan(sim.messages, { order: o.order, repeat: o.repeat, seed: o.seed });
  if (o.order !== 'arrival' || o.repeat > 1)
    say(`delivery: ${o.order} order, every message ${o.repeat} time(s): ${fmt(plan.length)} sends`);
  const client = new SQSClient({
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...credentials,
  });
  say(
    `sending to ${target.queueUrl}${target.endpoint ? ` via ${target.endpoint}` : ''} (from ${target.source})${o.speed ? ` at ${fmt(o.speed)}/s` : ''}`,
  );
  const start = Date.now();
  let sent = 0;
  const progress = setInterval(() => {
    const rate = sent / ((Date.now() - start) / 1000);
    const eta = rate > 0 ? (plan.length - sent) / rate : 0;
    say(
      `sent ${fmt(sent)}/${fmt(plan.length)} (${Math.floor((sent / plan.length) * 100)} %), ${fmt(rate)} msg/s, about ${fmt(eta)} s to go`,
    );
  }, 2_000);
  try {
    await sendAll(client, target.queueUrl, plan, { rate: o.speed, concurrency: 8, onProgress: (n) => (sent = n) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = /ECONNREFUSED|ENOTFOUND/.test(message)
      ? ' (is `npm start` running? Or set SQS_QUEUE_URLS and SQS_ENDPOINT)'
      : '';
    process.stderr.write(`simulate │ sending failed after ${fmt(sent)} messages: ${message}${hint}\n`);
    return 1;
  } finally {
    clearInterval(progress);
    client.destroy();
  }
  const seconds = (Date.now() - start) / 1000;
  say(`sent ${fmt(plan.length)} messages in ${seconds.toFixed(1)} s (${fmt(plan.length / seconds)} msg/s)`);

  if (!o.verify) {
    const q = truth.advertisers[0]?.campaigns[0]?.apiQuery;
    if (q) say(`check: compare ${q} with the ground truth, or run again with --verify`);
    return 0;
  }
  const apiUrl = env['API_URL'] || services?.apiUrl || 'http://127.0.0.1:3000';
  const apiKey = env['API_KEY'] || (env['API_KEYS'] ?? '').split(',')[0]?.trim() || services?.apiKey || '';
  const ok = await verifyAgainstApi(truth, { apiUrl, apiKey, timeoutMs: o.verifyTimeoutS * 1000, say });
  return ok ? 0 : 1;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`simulate │ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
