/**
 * CPU time of processes, read from /proc (Linux): what the benchmarks quote as CPU per unit of work, which does not
 * depend on what else the machine runs (wall-clock figures do).
 */
import { readdirSync, readFileSync } from 'node:fs';

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
