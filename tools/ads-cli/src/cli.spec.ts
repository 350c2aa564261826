import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';

async function run(argv: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { env, cwd, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('runCli without the api', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ads-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the queue policy as JSON with no key and no api', async () => {
    const r = await run(
      ['queue-policy', '--queue-arn', 'arn:aws:sqs:us-east-1:123456789012:q', '--datasets', 'budget-usage'],
      {},
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const policy = JSON.parse(r.out) as { Statement: Array<{ Condition?: unknown }> };
    expect(policy.Statement[0].Condition).toEqual({
      ArnLike: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:055588217351:*' },
    });
  });

  it.each([
    [['queue-policy', '--queue-arn', 'arn:aws:sqs:us-east-1:123:q', '--datasets', 'sp-traffic'], '--queue-arn'],
    [['queue-policy', '--queue-arn', 'arn:aws:sqs:us-east-1:123456789012:q', '--datasets', 'nope'], '--datasets'],
    [
      [
        'queue-policy',
        '--queue-arn',
        'arn:aws:sqs:us-east-1:123456789012:q',
        '--datasets',
        'sp-traffic',
        '--region',
        'XX',
      ],
      '--region',
    ],
  ])('exits 64 with one line naming the argument: %j', async (argv, argument) => {
    const r = await run(argv, {}, dir);
    expect(r.code).toBe(64);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^error: ${argument}: [^\\n]+\\n$`));
    expect(r.err).not.toContain('    at ');
  });

  it('exits 78 naming API_KEY when no key is found', async () => {
    const r = await run(['profiles'], {}, dir);
    expect(r.code).toBe(78);
    expect(r.err).toContain('set API_KEY');
  });

  it('exits 69 when the api cannot be reached', async () => {
    const r = await run(['profiles', '--api-url', 'http://127.0.0.1:9'], { API_KEY: 'k'.repeat(24) }, dir);
    expect(r.code).toBe(69);
    expect(r.err).toMatch(
      /^error: UNREACHABLE: cannot reach the api at http:\/\/127\.0\.0\.1:9 \(.+\); is it running\?\n$/,
    );
  });

  it('prints the usage for help', async () => {
    const r = await run(['help'], {}, dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('queue-policy --queue-arn ARN --datasets D,D [--region NA|EU|FE]');
  });
});
