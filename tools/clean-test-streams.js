// Deletes the JetStream streams that test runs created on the NATS at TEST_NATS_URL (default the
// machine's), including those of a run that crashed before its own cleanup. Every test prefix comes from
// @ams/testing's uniquePrefix(): `t_<6 [a-z0-9]>[_<label>]`, so its streams are named `T_<6>_…`
// (natsNames upper-cases the prefix); streams of a real deployment (no prefix: AMS, EVENTS; or a prefix of
// your own) are never touched. Proved by libs/testing/src/lib/clean-test-streams.integration.spec.ts.
const { connect } = require('nats');

const TEST_STREAM = /^T_[0-9A-Z]{6}_[0-9A-Z_]+$/;

(async () => {
  const nc = await connect({ servers: process.env.TEST_NATS_URL || 'nats://127.0.0.1:4222', timeout: 3000 });
  try {
    const jsm = await nc.jetstreamManager();
    const names = [];
    for await (const s of jsm.streams.list()) if (TEST_STREAM.test(s.config.name)) names.push(s.config.name);
    for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
    console.log(`deleted ${names.length} test streams`);
  } finally {
    await nc.close();
  }
})().catch((err) => {
  console.error(`could not clean test streams: ${err.message}`);
});
