/**
 * Turns on V8's Maglev compiler once a collection is large enough to pay for it.
 *
 * The image starts node without V8's optimizing tiers (runtime/Dockerfile CMD), so their code in
 * the node binary is never paged in: about 3 MiB less RSS. For a small task that costs no CPU one
 * can measure, because a data point's CPU is mostly the process waking up. A large task's collection
 * is interpreted work in proportion to its samples, and there Maglev saves more than its pages cost.
 * Measured side by side (runtime/bench/FINDINGS.md), CPU per data point: nothing at 10 containers
 * (~260 samples), -7% at 25 (~500), -10-15% at 50 (~1,000), -25% at 200, each for +2.5-4 MiB.
 *
 * The CMD's `--no-concurrent-recompilation` makes Maglev compile on the main thread: a compiler
 * thread would cost several MiB more. V8 reads `--maglev` at each tiering decision, so the hot path
 * is compiled after the flag is set, however long it has run interpreted.
 */
import type { Logger } from './logger';
import type { MetricFamily } from './model';

/**
 * node:v8 (about 2 MiB of RSS in a bare node 24) is loaded only when a task is large enough, and
 * after the current turn of the event loop: under the image's flags Node compiles it from source
 * (8-16 ms of CPU), which a scrape waiting for the collection just made should not wait for.
 */
function setV8Flags(flags: string): void {
  setImmediate(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('node:v8') as typeof import('node:v8')).setFlagsFromString(flags);
  });
}

/** Samples per collection from which Maglev is turned on (about 25 containers). */
export const MAGLEV_MIN_SAMPLES = 500;

export function sampleCount(families: readonly MetricFamily[]): number {
  let samples = 0;
  for (let i = 0; i < families.length; i++) samples += families[i].samples.length;
  return samples;
}

/**
 * A collection listener that turns Maglev on at the first collection of at least
 * MAGLEV_MIN_SAMPLES samples, and does nothing after that (V8 cannot turn a compiler off again).
 */
export function maglevForLargeCollections(
  logger: Logger,
  setFlags: (flags: string) => void = setV8Flags,
): (families: readonly MetricFamily[]) => void {
  let on = false;
  return (families) => {
    if (on) return;
    const samples = sampleCount(families);
    if (samples < MAGLEV_MIN_SAMPLES) return;
    on = true;
    setFlags('--maglev');
    logger.info('optimizing compiler turned on for a large task', { samples, minSamples: MAGLEV_MIN_SAMPLES });
  };
}
