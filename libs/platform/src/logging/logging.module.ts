import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Paths pino must never print: credentials in headers, URLs with passwords, webhook URLs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.webhookUrl',
  '*.apiKey',
];

/**
 * Structured JSON logs with the app's name on every line and a correlation id that comes in on
 * `x-correlation-id` (or is made up) and goes back out on the response.
 */
@Module({})
export class LoggingModule {
  static forRoot(app: string, level: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level,
            base: { app, pid: process.pid },
            messageKey: 'msg',
            timestamp: () => `,"time":"${new Date().toISOString()}"`,
            redact: { paths: REDACT_PATHS, censor: '[redacted]' },
            genReqId: (req: IncomingMessage, res) => {
              const incoming = req.headers[CORRELATION_HEADER];
              const id = typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
              res.setHeader(CORRELATION_HEADER, id);
              return id;
            },
            customAttributeKeys: { reqId: 'correlationId' },
            autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
              }),
            },
          },
        }),
      ],
    };
  }
}

/** Drops query values that look like secrets from a logged URL. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|key|api_key|apikey|password|secret)=)[^&]*/gi, '$1[redacted]');
}
