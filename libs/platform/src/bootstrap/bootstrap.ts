import 'reflect-metadata';
import { BadRequestException, DynamicModule, INestApplication } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { CommonEnv, ConfigError, loadConfig } from '../config';
import { counter, httpLatencyMiddleware } from '../metrics';
import { QueryValidationPipe } from './query-validation.pipe';

export interface BootstrapOptions<E extends CommonEnv> {
  /** the app's name: in every log line, the NATS connection name, metrics labels */
  name: string;
  env: new () => E;
  module: (env: E) => DynamicModule;
  /** extra HTTP setup (e.g. OpenAPI) before listen */
  configure?: (app: INestApplication, env: E) => void | Promise<void>;
}

/**
 * Starts an app the same way everywhere: validate the environment first (a bad one stops the app
 * with one line naming every offender, exit code 78 = EX_CONFIG), JSON logs, global validation,
 * Prometheus HTTP latency, and graceful shutdown on SIGTERM/SIGINT with a deadline.
 */
export async function bootstrap<E extends CommonEnv>(opts: BootstrapOptions<E>): Promise<INestApplication> {
  let env: E;
  try {
    env = loadConfig(opts.name, opts.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        JSON.stringify({ level: 'fatal', app: opts.name, msg: err.message, problems: err.problems }) + '\n',
      );
      process.exit(78);
    }
    throw err;
  }

  let app: INestApplication;
  try {
    app = await createApp(opts, env);
  } catch (err) {
    process.stderr.write(
      JSON.stringify({
        level: 'fatal',
        app: opts.name,
        msg: `failed to start: ${err instanceof Error ? err.message : String(err)}`,
      }) + '\n',
    );
    process.exit(1);
  }
  const logger = app.get(Logger);

  // A backstop, not error handling: a promise that rejects with nobody listening is logged and counted instead of
  // ending the process (Node's default), so one bad message cannot take an app down. Each one is a bug to fix.
  const unhandled = counter(
    'ams_unhandled_rejections_total',
    'promise rejections nobody handled (logged; the process stays up)',
  );
  process.on('unhandledRejection', (reason) => {
    unhandled.inc();
    logger.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });

  // SIGTERM/SIGINT: run Nest's shutdown hooks (consumers drain, connections close), then exit 0.
  // A shutdown that overruns SHUTDOWN_TIMEOUT_MS exits 1 rather than hang.
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal} received: draining`);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${env.SHUTDOWN_TIMEOUT_MS} ms, exiting`);
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS).unref();
    app.close().then(
      () => {
        logger.log('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  try {
    await app.listen(env.PORT, '0.0.0.0');
  } catch (err) {
    // e.g. a consumer that could not start: exit so the orchestrator restarts the app, rather than run without serving
    logger.fatal(`failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  }
  logger.log(`${opts.name} listening on :${env.PORT}`);
  return app;
}

/**
 * Builds the app exactly as production does (logger, pipes, middleware, extra HTTP setup) without
 * listening or installing signal handlers: integration tests use it with their own env.
 */
export async function createApp<E extends CommonEnv>(opts: BootstrapOptions<E>, env: E): Promise<INestApplication> {
  const app = await NestFactory.create(opts.module(env), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.use(httpLatencyMiddleware());
  app.useGlobalPipes(
    new QueryValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new BadRequestException(validationBody(errors)),
    }),
  );
  if (opts.configure) await opts.configure(app, env);
  return app;
}

/** 400 body: every offending field with its reason, e.g. { field: 'from', reason: 'from must be …' }. */
export function validationBody(errors: ValidationError[]): {
  statusCode: 400;
  error: 'Bad Request';
  code: 'VALIDATION';
  message: string[];
  errors: Array<{ field: string; reason: string }>;
} {
  const out: Array<{ field: string; reason: string }> = [];
  const walk = (errs: ValidationError[], path: string) => {
    for (const e of errs) {
      const field = path ? `${path}.${e.property}` : e.property;
      for (const reason of Object.values(e.constraints ?? {})) out.push({ field, reason });
      if (e.children?.length) walk(e.children, field);
    }
  };
  walk(errors, '');
  return { statusCode: 400, error: 'Bad Request', code: 'VALIDATION', message: out.map((e) => e.reason), errors: out };
}
