import { Client } from 'pg';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, type TestDatabase, uniquePrefix } from '@ams/testing';

/**
 * What an in-process app spec talks to besides the app: a test database of its own with a client on it,
 * a NATS prefix of its own and a connected JetStreamService on that prefix (at the machine NATS).
 */
export interface SpecBackends {
  db: TestDatabase;
  pg: Client;
  prefix: string;
  js: JetStreamService;
  /** Closes the JetStreamService and the client, then drops the database. Close the app first. */
  close(): Promise<void>;
}

/** `name` prefixes the NATS prefix (uniquePrefix); the connection is named `connectionName`. */
export async function startSpecBackends(name: string, connectionName: string): Promise<SpecBackends> {
  const db = await createTestDatabase();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const prefix = uniquePrefix(name);
  const js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName });
  await js.connect();
  return {
    db,
    pg,
    prefix,
    js,
    async close() {
      await js.close();
      await pg.end();
      await db.drop();
    },
  };
}
