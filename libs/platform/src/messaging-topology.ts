import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { STREAMS } from '@ams/contracts';
import { CommonEnv } from './config';
import { JetStreamService } from './messaging';

export const TOPOLOGY_ENV = Symbol('TOPOLOGY_ENV');

/**
 * Creates (or updates) the JetStream streams every app relies on, idempotently, at start. Every
 * app does it, so start order does not matter; all read the same retention settings.
 */
@Injectable()
export class MessagingTopology implements OnModuleInit {
  constructor(
    private readonly messaging: JetStreamService,
    @Inject(TOPOLOGY_ENV) private readonly env: CommonEnv,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.messaging.ensureStream({
      name: STREAMS.ams.name,
      subjects: [...STREAMS.ams.subjects],
      maxAgeMs: this.env.AMS_STREAM_MAX_AGE_HOURS * 3_600_000,
    });
    await this.messaging.ensureStream({
      name: STREAMS.events.name,
      subjects: [...STREAMS.events.subjects],
      maxAgeMs: this.env.EVENTS_STREAM_MAX_AGE_HOURS * 3_600_000,
    });
  }
}

@Module({})
export class MessagingTopologyModule {
  static forRoot(env: CommonEnv): DynamicModule {
    return {
      module: MessagingTopologyModule,
      providers: [{ provide: TOPOLOGY_ENV, useValue: env }, MessagingTopology],
    };
  }
}
