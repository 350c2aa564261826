import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startApp } from './processes';
import { freePort } from './ports';
import { waitFor } from './wait-for';

// a stand-in for a built app: ready after a short start-up, logs to stdout/stderr, drains on SIGTERM
const fakeApp = `
const http = require('node:http');
let ready = false;
console.log('starting on ' + process.env.PORT + ' as ' + process.env.APP_ROLE + ' node_options=' + (process.env.NODE_OPTIONS || ''));
if (process.env.CRASH) { console.error('boom: ' + process.env.CRASH); process.exit(3); }
const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/health/ready' ? (ready ? 200 : 503) : 404;
  res.end();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => setTimeout(() => { ready = true; console.log('ready'); }, 200));
process.on('SIGTERM', () => {
  if (process.env.IGNORE_TERM) { console.log('ignoring SIGTERM'); return; }
  console.log('draining'); server.close(() => process.exit(0));
});
`;

describe('startApp', () => {
  let dir: string;
  let entry: string;
  const started: AppProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ams-fake-app-'));
    entry = join(dir, 'main.js');
    await writeFile(entry, fakeApp);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((app) => app.kill9()));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>, port?: number) => {
    const app = await startApp('ingestor', env, { entry, port });
    started.push(app);
    return app;
  };

  it('starts the process with env and PORT, waits for /health/ready and stops it with SIGTERM', async () => {
    process.env['NODE_OPTIONS'] = '--max-old-space-size=123';
    let app: AppProcess;
    try {
      app = await start({ APP_ROLE: 'ingestor-under-test' });
    } finally {
      delete process.env['NODE_OPTIONS'];
    }
    expect(app.baseUrl).toBe(`http://127.0.0.1:${app.port}`);
    expect(app.pid).toBeGreaterThan(0);
    await app.waitReady(10_000);
    expect(app.logs).toContain(`starting on ${app.port} as ingestor-under-test node_options=`);
    expect(app.logs).toContain('ready');

    expect(await app.stop()).toEqual({ code: 0, signal: null });
    expect(app.logs).toContain('draining');
    await expect(app.exited).resolves.toEqual({ code: 0, signal: null });
  });

  it('uses the given port', async () => {
    const port = await freePort();
    const app = await start({}, port);
    expect(app.port).toBe(port);
    await app.waitReady(10_000);
  });

  it('fails waitReady early with the last log lines when the process exits', async () => {
    const app = await start({ CRASH: 'bad config' });
    const before = Date.now();
    await expect(app.waitReady(20_000)).rejects.toThrow(
      /ingestor exited \(code 3, signal null\) before it was ready; last log lines:\n[\s\S]*boom: bad config/,
    );
    expect(Date.now() - before).toBeLessThan(5_000);
  });

  it('SIGKILLs after the stop timeout, and kill9 kills at once', async () => {
    const stubborn = await start({ IGNORE_TERM: '1' });
    await stubborn.waitReady(10_000);
    expect(await stubborn.stop('SIGTERM', 300)).toEqual({ code: null, signal: 'SIGKILL' });
    await waitFor(() => stubborn.logs.includes('ignoring SIGTERM'), { timeoutMs: 2_000 });

    const other = await start({});
    await other.kill9();
    await expect(other.exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('says to build the app when its entry is missing', async () => {
    await expect(startApp('api', {}, { entry: join(dir, 'missing.js') })).rejects.toThrow(
      /does not exist; build it first \(npx nx build api\)/,
    );
  });
});
