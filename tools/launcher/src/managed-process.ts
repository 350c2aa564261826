/**
 * Child processes the launcher starts: each in its own process group (so a Ctrl-C in the terminal
 * reaches only the launcher, which then stops them in order), output split into lines, kept in a
 * log file and a short in-memory tail, and stopped with a signal and a deadline.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  exited: Promise<ExitInfo>;
  running(): boolean;
  /** sends `signal`, waits up to `timeoutMs`, then SIGKILLs; resolves with how it ended */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<ExitInfo & { forced: boolean }>;
  tail(lines?: number): string;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** every output line is appended here */
  logFile?: string;
  /** stdout is dropped (stderr is still kept) */
  dropStdout?: boolean;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** run as this user (embedded PostgreSQL refuses root) */
  uid?: number;
  gid?: number;
}

class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: Buffer): void {
    const text = this.rest + chunk.toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) this.emit(l.replace(/\r$/, ''));
    if (this.rest.length > 64_000) {
      this.emit(this.rest);
      this.rest = '';
    }
  }
  flush(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }
}

export function spawnManaged(name: string, command: string, args: string[], opts: SpawnOptions): ManagedProcess {
  const child = spawn(command, args, {
    env: opts.env,
    cwd: opts.cwd,
    detached: true,
    stdio: ['ignore', opts.dropStdout ? 'ignore' : 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
  });
  const tailLines: string[] = [];
  let log: WriteStream | undefined;
  if (opts.logFile) {
    log = createWriteStream(opts.logFile, { flags: 'a' });
    log.on('error', () => undefined);
  }
  const onLine = (stream: 'stdout' | 'stderr') => (line: string) => {
    tailLines.push(line);
    if (tailLines.length > 200) tailLines.shift();
    log?.write(`${line}\n`);
    opts.onLine?.(line, stream);
  };
  const out = new LineSplitter(onLine('stdout'));
  const err = new LineSplitter(onLine('stderr'));
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));

  let exitInfo: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (e) => {
      onLine('stderr')(`failed to start ${command}: ${e.message}`);
      exitInfo = { code: -1, signal: null };
      resolve(exitInfo);
    });
    child.once('close', (code, signal) => {
      out.flush();
      err.flush();
      log?.end();
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  return {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    running: () => exitInfo === null,
    async stop(signal, timeoutMs) {
      if (exitInfo) return { ...exitInfo, forced: false };
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), timeoutMs);
      });
      const first = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (first !== 'late') return { ...first, forced: false };
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
      return { ...(await exited), forced: true };
    },
    tail: (lines = 40) => tailLines.slice(-lines).join('\n'),
  };
}

// ------------------------------------------------------------------------------------------------
// Looking at processes we did not start in this run (leftovers of a launcher that was SIGKILLed)

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
  // An orphan that exited stays a zombie until init reaps it: that is gone, too.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) said it exists
  }
}

/** The command line of a process, or '' when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    try {
      return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return '';
    }
  }
}

/** Signals a process we identified by pid, waits for it to go, SIGKILLs after the deadline. */
export async function stopPid(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return !isAlive(pid);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
  const killDeadline = Date.now() + 3_000;
  while (Date.now() < killDeadline && isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}
