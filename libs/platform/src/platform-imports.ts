import { DynamicModule } from '@nestjs/common';
import { AppConfigModule, CommonEnv } from './config';
import { HealthModule } from './health';
import { LoggingModule } from './logging';
import { MessagingModule, messagingSecurity } from './messaging';
import { MessagingTopologyModule } from './messaging-topology';
import { MetricsModule } from './metrics';

/**
 * What every app imports: its validated config, JSON logging, /metrics, JetStream with the shared
 * topology, and /health. Apps add their database module and their feature modules.
 */
export function platformImports<E extends CommonEnv>(app: string, envClass: new () => E, env: E): DynamicModule[] {
  return [
    AppConfigModule.forRoot(envClass, env),
    LoggingModule.forRoot(app, env.LOG_LEVEL),
    MetricsModule.forRoot(app, env.METRICS_PORT),
    MessagingModule.forRoot({
      url: env.NATS_URL,
      prefix: env.NATS_PREFIX,
      connectionName: app,
      streamReplicas: env.NATS_STREAM_REPLICAS,
      ...messagingSecurity(app, env),
    }),
    MessagingTopologyModule.forRoot(env),
    HealthModule.forRoot(),
  ];
}
