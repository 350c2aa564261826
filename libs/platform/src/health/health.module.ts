import { Controller, DynamicModule, Get, Injectable, Module } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TerminusModule,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { JetStreamService } from '../messaging';

@Injectable()
export class NatsHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly messaging: JetStreamService,
  ) {}

  async check(key = 'nats'): Promise<HealthIndicatorResult> {
    const h = this.indicator.check(key);
    if (!this.messaging.isConnected()) return h.down({ message: 'not connected' });
    try {
      const rtt = await withTimeout(this.messaging.rtt(), 2000);
      return h.up({ rttMs: rtt });
    } catch (err) {
      return h.down({ message: err instanceof Error ? err.message : 'unreachable' });
    }
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly nats: NatsHealthIndicator,
  ) {}

  /** Alive: the event loop answers. Never depends on other services (no restart storms). */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready: PostgreSQL and NATS both answer. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.db.pingCheck('postgres', { timeout: 2000 }), () => this.nats.check('nats')]);
  }
}

@Module({})
export class HealthModule {
  static forRoot(): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [NatsHealthIndicator],
      exports: [NatsHealthIndicator],
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
