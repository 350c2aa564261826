/**
 * CPU time of processes, read from /proc (Linux): what the benchmarks quote as CPU per unit of work, which does not
 * depend on what else the machine runs (wall-clock figures do).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux) */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], utime [11], stime [12]). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined; // gone
  }
}

/** CPU time (user + system) of a process so far, in ms; 0 once it is gone. */
export function cpuMs(pid: number | undefined): number {
  const f = pid === undefined ? undefined : statFields(pid);
  return f ? ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND : 0;
}

/** Pids of the running processes whose command name (/proc/<pid>/comm) is `name`, e.g. `postgres`, `nats-server`. */
export function pidsNamed(name: string): number[] {
  return procPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
    } catch {
      return false;
    }
  });
}

/** CPU (ms) of a process and of its children (a postmaster and its backends, WAL sender and receiver). */
export function treeCpuMs(root: number): number {
  let total = cpuMs(root);
  for (const pid of procPids()) {
    if (Number(statFields(pid)?.[1]) === root) total += cpuMs(pid);
  }
  return total;
}

/** CPU (ms) summed over a set of pids (exited ones count 0: sample before and after over the same live set). */
export function sumCpuMs(pids: readonly number[]): number {
  return pids.reduce((a, pid) => a + cpuMs(pid), 0);
}

function procPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/**
 * Pid of the process listening on TCP `port` (IPv4 or IPv6, any address): a nats-server or fauxqs, whoever else runs
 * one of its own on the machine. Reads /proc/net/tcp{,6} for the listening socket's inode and the processes' fds for
 * it (root, or the same user as the process). Undefined when no process is found.
 */
export function pidListening(port: number): number | undefined {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] (hex ip:port), st f[3] (0A = LISTEN), inode f[9]
      if (f.length > 9 && f[3] === '0A' && f[1].endsWith(`:${hexPort}`)) inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (!inodes.size) return undefined;
  for (const pid of procPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/**
 * Pids of the PostgreSQL backends serving `database` (their process title is `postgres: … <user> <database> <client>
 * <state>`): one database's share of a server other work uses too. The server's own processes (checkpointer, WAL
 * writer, background writer) serve every database and are not among them.
 */
export function backendPids(database: string): number[] {
  return pidsNamed('postgres').filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').split(' ').includes(database);
    } catch {
      return false;
    }
  });
}

export interface CpuMeter {
  /** CPU (ms) of the processes since the meter started, as far as read so far. */
  read(): number;
  /** The same, process by process (e.g. to share a database's backends out by client). */
  perPid(): Map<number, number>;
  /** Reads a last time, stops sampling and returns the CPU (ms) since the start. */
  stop(): number;
}

/**
 * CPU (ms) of a set of processes that changes while it is measured (a database's backends come and go): `pids()` is
 * asked every `intervalMs`, each process counts from its CPU at the start (0 if it appeared later) to the last value
 * read, so one that exits keeps what it used up to the last sample (at most `intervalMs` of its CPU is missed).
 */
export function cpuMeter(pids: () => readonly number[], intervalMs = 250): CpuMeter {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let started = false;
  const sample = () => {
    for (const pid of pids()) {
      const ms = cpuMs(pid);
      if (!ms && !last.has(pid)) continue; // gone before its first reading
      if (!first.has(pid)) first.set(pid, started ? 0 : ms);
      last.set(pid, Math.max(ms, last.get(pid) ?? 0));
    }
  };
  sample();
  started = true;
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  const perPid = () => new Map([...last].map(([pid, ms]) => [pid, ms - (first.get(pid) ?? 0)]));
  const read = () => {
    sample();
    return [...perPid().values()].reduce((a, ms) => a + ms, 0);
  };
  return {
    read,
    perPid,
    stop: () => {
      clearInterval(timer);
      return read();
    },
  };
}
