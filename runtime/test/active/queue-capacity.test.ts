/**
 * The documented remote-write queue capacity (README "Active mode"): the default holds at least one
 * hour of a 10-container task at default settings, counting everything Active mode sends per
 * collection (container series, the exporter's self-metrics as served, the remote-write
 * self-metrics), and its memory cost stays small.
 */
import { parseExposition } from '../../src/active/exposition-parser';
import { SampleQueue } from '../../src/active/remote-write/queue';
import { seriesLabels } from '../../src/active/remote-write/series';
import { RemoteWriteStats } from '../../src/active/remote-write/stats';
import { DEFAULT_COLLECT_INTERVAL_MS, DEFAULT_MAX_PENDING_SAMPLES } from '../../src/config';
import { collect } from '../fixtures';
import { SelfMetrics } from '../../src/self-metrics';
import { buildStats, buildTask, SIMULATED_SHAPES } from '../../src/simulator';

test('the default queue holds at least one hour of a 10-container task in every shape', async () => {
  const selfSamples = parseExposition(await new SelfMetrics().registry.metrics()).length;
  const remoteWriteSamples = new RemoteWriteStats(() => 0, 1).families().length;
  const collectionsPerHour = 3_600_000 / DEFAULT_COLLECT_INTERVAL_MS;
  for (const shape of SIMULATED_SHAPES) {
    // 10 application containers plus the sidecar itself.
    const options = { shape, containers: 11, cpuCores: 0.25, networkBytesPerSecond: 1000, includeStopped: true };
    const { families } = collect(buildTask(options, 0), buildStats(options, 1000, 1));
    const containerSamples = families.reduce((n, f) => n + f.samples.length, 0);
    const perCollection = containerSamples + selfSamples + remoteWriteSamples;
    const hours = DEFAULT_MAX_PENDING_SAMPLES / (perCollection * collectionsPerHour);
    process.stdout.write(`${shape}: ${containerSamples} container + ${selfSamples} self + ${remoteWriteSamples} remote-write samples per collection; `
      + `${perCollection * collectionsPerHour} per hour; default queue = ${hours.toFixed(2)} h\n`);
    expect(hours).toBeGreaterThanOrEqual(1);
  }
});

test('a full default queue costs well under 64 MiB of memory', () => {
  global.gc?.();
  const before = process.memoryUsage();
  const queue = new SampleQueue(DEFAULT_MAX_PENDING_SAMPLES);
  const series = Array.from({ length: 1000 }, (_, i) => seriesLabels('container_cpu_usage_seconds_total', {
    container: `app-${i % 11}`, cluster: 'prod', task_id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', namespace: 'AWS/ECS', device: `dev-${i}`,
  }));
  for (let i = 0; i < DEFAULT_MAX_PENDING_SAMPLES; i++) {
    queue.push(series[i % series.length], { value: i, timestampMs: 1_700_000_000_000 + Math.floor(i / series.length) * 15_000 });
  }
  const after = process.memoryUsage();
  const usedMiB = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
  process.stdout.write(`full queue of ${queue.length} samples over ${queue.seriesCount} series: ~${usedMiB.toFixed(1)} MiB\n`);
  expect(queue.length).toBe(DEFAULT_MAX_PENDING_SAMPLES);
  expect(usedMiB).toBeLessThan(64);
});
