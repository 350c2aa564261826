import type { INestApplication } from '@nestjs/common';
import { BootstrapOptions, CommonEnv, createApp, loadConfig } from '@ams/platform';
import { DEFAULT_NATS_URL, HISTORY_RETENTION, type TestDatabase } from '@ams/testing';

export interface RunningTestApp<E> {
  app: INestApplication;
  config: E;
  baseUrl: string;
  close(): Promise<void>;
}

/** The env every app needs in a test: its own database, its own NATS prefix, quiet logs. */
export function baseTestEnv(
  db: Pick<TestDatabase, 'url'>,
  prefix: string,
  natsUrl = DEFAULT_NATS_URL,
): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '4',
    NATS_URL: natsUrl,
    NATS_PREFIX: prefix,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    AWS_REGION: 'us-east-1',
    ...HISTORY_RETENTION,
  };
}

/**
 * Starts an app in this process exactly as its main.ts would (same module, pipes, middleware),
 * with the given environment, listening on a free port. close() runs Nest's shutdown hooks.
 */
export async function startNestApp<E extends CommonEnv>(
  def: BootstrapOptions<E>,
  env: Record<string, string>,
): Promise<RunningTestApp<E>> {
  const config = loadConfig(def.name, def.env, env);
  const app = await createApp(def, config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}
