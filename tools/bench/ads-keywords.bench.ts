/**
 * A sync-shaped listing: every SP keyword of one profile (default 50,000) through the typed client, paged
 * (1000 a page), from the emulator running in a process of its own, so the figures are the client's: the
 * wall time of the whole listing and this process's peak RSS. Prints one JSON line.
 *
 *   npx ts-node --transpile-only -P tools/tsconfig.json -r ./tools/register-paths.js \
 *     tools/bench/ads-keywords.bench.ts [--keywords 50000] [--page-size 1000]
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { AdsApiClient } from '@ams/ads-api';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN } from '@ams/ads-api-emulator';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const keywords = arg('--keywords', 50_000);
  const pageSize = arg('--page-size', 1000);
  const root = resolve(__dirname, '../..');
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
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
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
    const client = new AdsApiClient({
      clientId: DEFAULT_CLIENT_ID,
      clientSecret: DEFAULT_CLIENT_SECRET,
      refreshToken: DEFAULT_REFRESH_TOKEN,
      apiEndpoint: started.url,
      lwaEndpoint: started.tokenUrl,
    });
    await client.verifyAuthorization();
    const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
    const t0 = process.hrtime.bigint();
    let count = 0;
    let pages = 0;
    const ids = new Set<string>();
    for await (const page of client.spKeywordPages(started.profiles[0], { pageSize })) {
      pages++;
      for (const k of page.items) {
        ids.add(k.keywordId);
        count++;
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (count !== keywords || ids.size !== keywords)
      throw new Error(`listed ${count} keywords (${ids.size} distinct), expected ${keywords}`);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      `${JSON.stringify({ bench: 'ads-api keyword listing', keywords: count, pageSize, pages, seconds: +seconds.toFixed(2), keywordsPerSecond: Math.round(count / seconds), rssBeforeMb: +rssBeforeMb.toFixed(0), peakRssMb: +peakRssMb.toFixed(0) })}\n`,
    );
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.message}\n`);
  process.exit(1);
});
