/**
 * What one wake-up of an otherwise idle process costs on this machine: a bare `node` (the image's
 * flags) whose only work is a timer firing every `periodMs`, CPU per tick from its own
 * `process.cpuUsage()`. On the benchmark's 2-vCPU VM this was 285 µs at a 20 ms period and 827 µs at
 * 1 s (a few µs on bare metal): a data point at a 1 s interval wakes the exporter 3-4 times (the
 * collection timer, the metadata answers, the scrape), so this figure is part of every CPU per
 * data point in the report, and it changes with how idle the machine is.
 */
import { execFileSync } from 'node:child_process';

const PROBE = `
const period = Number(process.argv[1]); const ticks = Number(process.argv[2]);
let seen = 0; let start;
const timer = setInterval(() => {
  seen += 1;
  if (seen === 2) start = process.cpuUsage();
  if (seen === 2 + ticks) {
    const used = process.cpuUsage(start);
    process.stdout.write(String((used.user + used.system) / ticks));
    clearInterval(timer);
  }
}, period);`;

/** CPU µs per timer wake-up at `periodMs`, measured over `ticks` ticks in a child process. */
export function measureWakeUpCostUs({ nodeArgs = [], periodMs = 1000, ticks = 8 } = {}) {
  const out = execFileSync(process.execPath, [...nodeArgs, '-e', PROBE, String(periodMs), String(ticks)], { encoding: 'utf8', timeout: periodMs * (ticks + 4) + 10_000 });
  return Math.round(Number(out));
}
