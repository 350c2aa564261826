import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from './app.module';

// The platform's health behaviour is the same in every app (HealthModule); it is exercised here once.
describe('aggregator: boots on real PostgreSQL and NATS', () => {
  let db: TestDatabase;
  let app: RunningTestApp<unknown> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('is ready when PostgreSQL and NATS answer, exposes metrics, and closes cleanly', async () => {
    app = await startNestApp(appDefinition, baseTestEnv(db, uniquePrefix('aggregator')));
    const ready = await fetch(`${app.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ info: { postgres: { status: 'up' }, nats: { status: 'up' } } });
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/process_cpu_seconds_total\{app="aggregator"\}/);
    await app.close();
    app = undefined;
  });

  it('reports not ready (503) when its database is unreachable', async () => {
    app = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('aggregator')),
      DATABASE_URL: db.url,
    });
    // the database disappears under the running app
    await db.drop();
    const res = await fetch(`${app.baseUrl}/health/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'error', error: { postgres: { status: 'down' } } });
    const live = await fetch(`${app.baseUrl}/health/live`);
    expect(live.status).toBe(200);
  });
});
