import { createServer, Server } from 'node:http';
import {
  Controller,
  DynamicModule,
  Get,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Res,
} from '@nestjs/common';
import { Counter, Histogram, register, Registry, collectDefaultMetrics, Gauge } from 'prom-client';
import type { NextFunction, Request, Response } from 'express';

/** prom-client metrics are process-global: get an existing one by name or create it once. */
export function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames });
}
export function gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
  return (register.getSingleMetric(name) as Gauge<string>) ?? new Gauge({ name, help, labelNames });
}
export function histogram(
  name: string,
  help: string,
  labelNames: string[] = [],
  buckets?: number[],
): Histogram<string> {
  return (
    (register.getSingleMetric(name) as Histogram<string>) ??
    new Histogram({ name, help, labelNames, ...(buckets ? { buckets } : {}) })
  );
}

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Express middleware recording the latency of every HTTP request by route and status. */
export function httpLatencyMiddleware(): (req: Request, res: Response, next: NextFunction) => void {
  const hist = histogram(
    'ams_http_request_duration_seconds',
    'HTTP request latency',
    ['method', 'route', 'status'],
    LATENCY_BUCKETS,
  );
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const matched = req.route?.path as string | undefined;
      const route = matched ? `${req.baseUrl ?? ''}${matched}` : 'unmatched';
      hist.labels(req.method, route, String(res.statusCode)).observe(Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}

@Controller('metrics')
class MetricsController {
  @Get()
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', register.contentType);
    res.send(await register.metrics());
  }
}

/**
 * /metrics on a port of its own (METRICS_PORT): a bare HTTP server that answers GET /metrics and 404 for anything
 * else, started with the app and closed with it.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('metrics');
  private server?: Server;

  constructor(private readonly port: number) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
        register.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': register.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`/metrics on :${this.port} (not on the main port)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let defaultsCollected = false;

/**
 * `/metrics` in Prometheus text format, process defaults, and HTTP latency for every route: on the main port, or with
 * `metricsPort` only on that port (the main one then answers 404 for /metrics).
 */
@Module({})
export class MetricsModule {
  static forRoot(app: string, metricsPort?: number): DynamicModule {
    if (!defaultsCollected) {
      register.setDefaultLabels({ app });
      collectDefaultMetrics({ register: register as Registry });
      defaultsCollected = true;
    }
    if (metricsPort !== undefined) {
      return {
        module: MetricsModule,
        providers: [{ provide: MetricsServer, useFactory: () => new MetricsServer(metricsPort) }],
      };
    }
    return {
      module: MetricsModule,
      controllers: [MetricsController],
    };
  }
}
