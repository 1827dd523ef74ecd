/**
 * The exporter's own CPU and memory counters, read from /proc so the measurement costs the
 * exporter nothing (no scrape of its self-metrics, no instrumentation inside it).
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second of the utime/stime fields (USER_HZ, 100 on every mainstream Linux). */
export const CLOCK_TICKS_PER_SECOND = readClockTicks();

function readClockTicks() {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/**
 * Parses the text of /proc/<pid>/stat into user+system CPU milliseconds.
 * The command name (field 2) is in parentheses and may itself contain spaces and parentheses,
 * so the fields are counted from the LAST ')' (see proc(5)).
 */
export function parseCpuMsFromStat(statText, ticksPerSecond = CLOCK_TICKS_PER_SECOND) {
  const afterComm = statText.slice(statText.lastIndexOf(')') + 2).trim().split(/\s+/);
  // afterComm[0] is field 3 (state); utime is field 14 and stime field 15.
  const utime = Number(afterComm[11]);
  const stime = Number(afterComm[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`cannot parse utime/stime from /proc stat line: ${statText.slice(0, 120)}`);
  }
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** Parses a `VmRSS:   12345 kB` style line of /proc/<pid>/status into MiB. */
export function parseStatusFieldMiB(statusText, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(statusText);
  if (!match) throw new Error(`/proc status has no ${field} line`);
  return Number(match[1]) / 1024;
}

/** CPU time (user + system) the process has used so far, in milliseconds (10 ms resolution). */
export function readCpuMs(pid) {
  return parseCpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Resident set size now (VmRSS) and its peak so far (VmHWM), in MiB. */
export function readMemoryMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMiB: parseStatusFieldMiB(status, 'VmRSS'), peakRssMiB: parseStatusFieldMiB(status, 'VmHWM') };
}
