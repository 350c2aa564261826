import {
  type DynamicModule,
  type FactoryProvider,
  Global,
  Module,
  type ModuleMetadata,
  type OnModuleInit,
} from '@nestjs/common';
import { JetStreamService } from './jetstream.service';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.types';

export interface MessagingModuleAsyncOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory: (...args: any[]) => MessagingOptions | Promise<MessagingOptions>;
  inject?: FactoryProvider['inject'];
  imports?: ModuleMetadata['imports'];
}

/** Global module providing {@link JetStreamService}; connects on init, drains on application shutdown. */
@Global()
@Module({})
export class MessagingModule implements OnModuleInit {
  constructor(private readonly jetStream: JetStreamService) {}

  static forRoot(opts: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [{ provide: MESSAGING_OPTIONS, useValue: opts }, JetStreamService],
      exports: [JetStreamService],
    };
  }

  static forRootAsync(opts: MessagingModuleAsyncOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: opts.imports ?? [],
      providers: [
        { provide: MESSAGING_OPTIONS, useFactory: opts.useFactory, inject: opts.inject ?? [] },
        JetStreamService,
      ],
      exports: [JetStreamService],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.jetStream.connect();
  }
}
