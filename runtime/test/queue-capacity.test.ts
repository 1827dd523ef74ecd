import { DEFAULT_COLLECT_INTERVAL_MS, DEFAULT_MAX_PENDING_SAMPLES } from '../src/config';
import { collect } from './fixtures';
import { SelfMetrics } from '../src/self-metrics';
import { buildStats, buildTask, SIMULATED_SHAPES } from '../src/simulator';

describe('default remote-write queue capacity', () => {
  test('holds at least one hour of a 10-container task at default settings, in every shape', async () => {
    const registry = new SelfMetrics().registry;
    const selfSeries = (await registry.getMetricsAsJSON()).reduce((n, metric) => n + (metric.values?.length ?? 0), 0);
    const collectionsPerHour = 3_600_000 / DEFAULT_COLLECT_INTERVAL_MS;
    for (const shape of SIMULATED_SHAPES) {
      const options = { shape, containers: 10, cpuCores: 0.25, networkBytesPerSecond: 1000, includeStopped: true };
      const { families } = collect(buildTask(options, 0), buildStats(options, 1000, 1));
      const containerSeries = families.reduce((n, f) => n + f.samples.length, 0);
      const samplesPerHour = (containerSeries + selfSeries) * collectionsPerHour;
      expect(samplesPerHour).toBeLessThanOrEqual(DEFAULT_MAX_PENDING_SAMPLES);
    }
  });
});
