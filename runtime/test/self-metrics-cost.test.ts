import { SelfMetrics } from '../src/self-metrics';

describe('self-metrics leave out what costs more than it tells (runtime/bench)', () => {
  test('process metrics are exposed, the event-loop-lag family (HDR histogram walks per scrape) is not', async () => {
    const text = await new SelfMetrics().registry.metrics();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    expect(text).not.toMatch(/^nodejs_eventloop_lag/m);
  });
});
