import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NATS_SERVER_BIN = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A private nats-server with JetStream on a free port and a temporary store, for tests that kill and restart it. */
export class PrivateNatsServer {
  private proc?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    /** More nats-server flags, e.g. `--auth <token>` or `--tls …`. */
    private readonly extraArgs: string[] = [],
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(extraArgs: string[] = []): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await freePort(), await mkdtemp(join(tmpdir(), 'ams-nats-')), extraArgs);
    await server.launch();
    return server;
  }

  /** Starts the server (again) on the same port and store directory. */
  async launch(timeoutMs = 10_000): Promise<void> {
    if (this.proc) {
      throw new Error('already running');
    }
    const proc = spawn(NATS_SERVER_BIN, ['-js', '-sd', this.storeDir, '-p', String(this.port), '-a', '127.0.0.1', ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server not ready after ${timeoutMs} ms:\n${log}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${log}`));
      });
    });
    proc.removeAllListeners('exit');
  }

  /** Sends the signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc) {
      return;
    }
    this.proc = undefined;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  }

  async dispose(): Promise<void> {
    await this.kill('SIGKILL');
    await rm(this.storeDir, { recursive: true, force: true });
  }
}
