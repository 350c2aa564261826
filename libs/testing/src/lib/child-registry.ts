import { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Internal: every child process and temp dir the helpers start is registered here, so that a test
 * run that forgets a teardown (or crashes out of one) does not leave servers or apps running.
 * Only a synchronous `exit` hook is possible, so leftovers are SIGKILLed there.
 */
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const child of liveChildren) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    liveChildren.clear();
    for (const dir of liveDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
    liveDirs.clear();
  });
}

export function trackChild(child: ChildProcess): void {
  hookExit();
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export function trackDir(dir: string): void {
  hookExit();
  liveDirs.add(dir);
}

export function untrackDir(dir: string): void {
  liveDirs.delete(dir);
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves when the child has exited (immediately if it already has). */
export function exitOf(child: ChildProcess): Promise<ExitInfo> {
  if (!isRunning(child)) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs and waits again.
 * Resolves with how the process ended.
 */
export async function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 15_000,
): Promise<ExitInfo> {
  if (!isRunning(child)) return exitOf(child);
  const exited = exitOf(child);
  child.kill(signal);
  if (signal === 'SIGKILL') return exited;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  if (isRunning(child)) child.kill('SIGKILL');
  return exited;
}

/** Keeps the last `max` lines of a stream of chunks. */
export class LineBuffer {
  readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly max: number) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  flush(): void {
    if (this.partial) {
      this.add(this.partial);
      this.partial = '';
    }
  }

  tail(n: number): string {
    const pending = this.partial ? [this.partial] : [];
    return [...this.lines, ...pending].slice(-n).join('\n');
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
}
