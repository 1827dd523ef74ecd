/** The self-metrics text written without registry.metrics() is prom-client's own, line for line. */
import { Counter, Gauge, Histogram, Registry } from '../src/prom-client';
import { RegistryExposition } from '../src/registry-exposition';
import { SelfMetrics } from '../src/self-metrics';

/** prom-client's text without the blank line it puts between families. */
async function promClientText(registry: Registry): Promise<string> {
  return (await registry.metrics()).replace(/\n\n/g, '\n');
}

describe('RegistryExposition', () => {
  test('the exporter self-metrics after collections, attempts and drops', async () => {
    const self = new SelfMetrics({ defaultMetrics: false });
    self.recordAttempt({ endpoint: 'task', outcome: 'success', statusCode: 200, durationSeconds: 0.003 });
    self.recordAttempt({ endpoint: 'task_stats', outcome: 'timeout', durationSeconds: 2 });
    self.recordSuccess(1_700_000_000_000, 3, 1);
    self.recordSeriesDropped('series_limit', 12);
    const ours = new RegistryExposition(self.registry);
    expect(await ours.text()).toBe(await promClientText(self.registry));
    // Again after changes: label text kept from the first scrape must not freeze values.
    self.recordFailure();
    self.recordAttempt({ endpoint: 'task', outcome: 'success', statusCode: 200, durationSeconds: 0.2 });
    expect(await ours.text()).toBe(await promClientText(self.registry));
  });

  test('escaped help and label values, labelled histograms, counters without labels', async () => {
    const registry = new Registry();
    const registers = [registry];
    new Gauge({ name: 'g', help: 'back\\slash and\nnewline', labelNames: ['path'], registers }).set({ path: 'a"b\\c\nd' }, 1.5);
    const counter = new Counter({ name: 'c_total', help: 'plain', registers });
    counter.inc(3);
    const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['endpoint'], buckets: [0.1, 1], registers });
    histogram.observe({ endpoint: 'x' }, 0.05);
    histogram.observe({ endpoint: 'y' }, 5);
    new Histogram({ name: 'bare_seconds', help: 'no labels', buckets: [1], registers }).observe(0.5);
    const ours = new RegistryExposition(registry);
    const expected = await promClientText(registry);
    expect(expected).toContain('h_seconds_bucket{le="0.1",endpoint="x"} 1');
    expect(await ours.text()).toBe(expected);
  });

  test('with the process metrics, the same series in the same order', async () => {
    const self = new SelfMetrics();
    const series = (text: string) => text.split('\n').filter((line) => line !== '').map((line) => line.replace(/ [^ ]+$/, ''));
    expect(series(await new RegistryExposition(self.registry).text())).toEqual(series(await promClientText(self.registry)));
  });
});
