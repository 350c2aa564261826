import { DEFAULT_NATS_URL } from '@ams/testing';
import { JetStreamService } from './jetstream.service';
import type { MessagingOptions } from './messaging.types';

/*
 * Spec support for this lib's own messaging specs (the rest of the kit is @ams/testing): what needs
 * JetStreamService itself, which @ams/testing cannot import without a cycle (platform's specs import it).
 */

export function testOptions(
  prefix: string,
  connectionName = 'messaging-spec',
  url = DEFAULT_NATS_URL,
): MessagingOptions {
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
