import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { JetStreamService } from '../jetstream.service';
import { MessagingNaming } from '../messaging.naming';
import type { MessagingOptions } from '../messaging.types';

export const TEST_NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** A prefix unique to this run, so parallel test files and runs never share subjects or streams. */
export function uniquePrefix(tag: string): string {
  return `t${tag}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export function testOptions(prefix: string, connectionName = 'messaging-spec', url = TEST_NATS_URL): MessagingOptions {
  return { url, prefix, connectionName };
}

/** Starts services and closes them all at the end. */
export class ServiceTracker {
  private readonly services: JetStreamService[] = [];

  async start(opts: MessagingOptions): Promise<JetStreamService> {
    const svc = new JetStreamService(opts);
    this.services.push(svc);
    await svc.connect();
    return svc;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.services.splice(0).map((s) => s.close()));
  }
}

/** Deletes every stream created under `prefix`. */
export async function deleteStreams(prefix: string, url = TEST_NATS_URL): Promise<void> {
  const streamPrefix = new MessagingNaming(prefix).stream('');
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    for await (const si of jsm.streams.list()) {
      if (si.config.name.startsWith(streamPrefix)) {
        await jsm.streams.delete(si.config.name);
      }
    }
  } finally {
    await nc.close();
  }
}

/** Number of messages stored in a (prefixed) stream. */
export async function streamMessageCount(prefix: string, stream: string, url = TEST_NATS_URL): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    const si = await jsm.streams.info(new MessagingNaming(prefix).stream(stream));
    return si.state.messages;
  } finally {
    await nc.close();
  }
}
