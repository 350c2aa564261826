// Deletes the JetStream streams that test runs created on the NATS at TEST_NATS_URL (default the
// machine's). Every test prefix starts with "t", so their streams are named "T…_<NAME>"; streams of
// a real deployment (no prefix: AMS, EVENTS; or a prefix of your own) are never touched.
const { connect } = require('nats');

const TEST_STREAM = /^T(_[0-9A-Z]{6}(_[0-9A-Z_]+)?|[0-9A-Z]{10,})_[0-9A-Z_]+$/;

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
