/**
 * The exporter's own CPU and memory counters, read from /proc so the measurement costs the
 * exporter nothing (no scrape of its self-metrics, no instrumentation inside it).
 */
import { readdirSync, readFileSync } from 'node:fs';
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

/** The first field of /proc/<pid>/task/<tid>/schedstat: time the thread spent on a CPU, in ns. */
export function parseSchedstatNs(schedstatText) {
  const ns = Number(schedstatText.trim().split(/\s+/)[0]);
  if (!Number.isFinite(ns)) throw new Error(`cannot parse schedstat: ${schedstatText.slice(0, 80)}`);
  return ns;
}

/**
 * CPU time the process has used so far, in milliseconds. Summed over its threads' schedstat
 * (nanoseconds): /proc/<pid>/stat counts in 10 ms ticks, which over a 10 s window of ten
 * collections is a resolution of 1 ms per collection, too coarse for per-data-point figures of a
 * few ms. Falls back to the ticks where schedstat is missing (kernels without CONFIG_SCHEDSTATS).
 */
export function readCpuMs(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += parseSchedstatNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'));
      } catch (error) {
        if (error.code !== 'ENOENT' && error.code !== 'ESRCH') throw error; // the thread just exited
      }
    }
    if (ns > 0) return ns / 1e6;
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  return parseCpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Resident set size now (VmRSS) and its peak so far (VmHWM), in MiB. */
export function readMemoryMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMiB: parseStatusFieldMiB(status, 'VmRSS'), peakRssMiB: parseStatusFieldMiB(status, 'VmHWM') };
}
