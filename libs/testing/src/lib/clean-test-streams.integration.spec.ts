import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'nats';
import { natsNames } from '@ams/contracts';
import { workspaceRoot } from './fixtures';
import { type PrivateNatsServer, startPrivateNatsServer, uniquePrefix } from './nats';

/**
 * tools/clean-test-streams.js (run by .ci/run before and after the tests) removes the streams a test run left
 * behind, as a crashed run leaves them, and nothing else. Against a private server: on the shared broker it would
 * also remove the streams of runs still going.
 */
describe('tools/clean-test-streams.js', () => {
  let server: PrivateNatsServer;

  beforeAll(async () => {
    server = await startPrivateNatsServer();
  });

  afterAll(async () => {
    await server.dispose();
  });

  it('deletes the streams under uniquePrefix() prefixes, with or without a label, and keeps the others', async () => {
    const testStreams = [
      natsNames(uniquePrefix('Crashed-Run.v1')).stream('AMS'),
      natsNames(uniquePrefix()).stream('EVENTS'),
    ];
    const kept = ['AMS', 'EVENTS', natsNames('prod').stream('AMS'), natsNames('team_a').stream('EVENTS')];
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await nc.jetstreamManager();
      for (const [i, name] of [...testStreams, ...kept].entries())
        await jsm.streams.add({ name, subjects: [`s${i}.>`] });

      const run = spawnSync(process.execPath, [join(workspaceRoot(), 'tools/clean-test-streams.js')], {
        env: { ...process.env, TEST_NATS_URL: server.url },
        encoding: 'utf8',
      });
      expect(run.stdout).toContain(`deleted ${testStreams.length} test streams`);

      const left: string[] = [];
      for await (const si of jsm.streams.list()) left.push(si.config.name);
      expect(left.sort()).toEqual([...kept].sort());
    } finally {
      await nc.close();
    }
  });
});
