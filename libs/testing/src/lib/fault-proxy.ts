import { IncomingMessage, Server, ServerResponse, createServer, request } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/** pass: forward; error: answer 500 like an AWS InternalError; down: nothing listens (connection refused). */
export type FaultMode = 'pass' | 'error' | 'down';

export interface FaultProxy {
  /** http://127.0.0.1:<port>: give this to the client instead of the target. */
  url: string;
  port: number;
  readonly mode: FaultMode;
  setMode(mode: FaultMode): Promise<void>;
  /** Requests forwarded, and requests answered with the injected 500. */
  answered: Record<'forwarded' | 'failed', number>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of an endpoint (the SQS emulator) that can be told to fail: answer every
 * request with HTTP 500, or stop listening so that connections are refused, then recover.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  const answered = { forwarded: 0, failed: 0 };
  let mode: FaultMode = 'pass';

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    if (mode !== 'pass') {
      answered.failed++;
      req.resume();
      res.writeHead(500, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': 'InternalError;Receiver',
      });
      res.end(
        JSON.stringify({
          __type: 'com.amazonaws.sqs#InternalError',
          message: 'injected fault: the endpoint is failing',
        }),
      );
      return;
    }
    answered.forwarded++;
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
    req.pipe(upstream);
  };

  const server: Server = createServer(forward);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const unlisten = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    answered,
    setMode: async (next) => {
      if (next === mode) return;
      if (next === 'down') await unlisten();
      if (mode === 'down') await listen(port);
      mode = next;
    },
    close: async () => {
      if (mode !== 'down') await unlisten();
      mode = 'down';
    },
  };
  return proxy;
}
