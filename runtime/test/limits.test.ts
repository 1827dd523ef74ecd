import { collect, loadShape } from './fixtures';
import { VARIABLES } from '../src/environment-contract.generated';
import { renderFamilies } from '../src/exposition';
import { SampleSink } from '../src/metrics/sample-sink';
import { MAX_DEVICES_PER_CONTAINER, MAX_INTERFACES_PER_CONTAINER } from '../src/metrics/transform';
import type { MetricFamily } from '../src/model';

const INTERFACES = 20_000;

function seriesCount(families: readonly MetricFamily[]): number {
  return families.reduce((n, f) => n + f.samples.length, 0);
}

/** The bridge shape with `interfaces` network interfaces per running container, as the JSON body the endpoint would send. */
function statsBodyWithInterfaces(interfaces: number): string {
  const stats = JSON.parse(JSON.stringify(loadShape('ec2-bridge-cgroupv2').stats)) as Record<string, Record<string, unknown> | null>;
  for (const container of Object.values(stats)) {
    if (container === null || container.networks === undefined) continue;
    const networks: Record<string, object> = {};
    for (let i = 0; i < interfaces; i++) {
      networks[`veth${String(i).padStart(5, '0')}`] = { rx_bytes: i, rx_packets: i, rx_errors: 0, rx_dropped: 0, tx_bytes: i, tx_packets: i, tx_errors: 0, tx_dropped: 0 };
    }
    container.networks = networks;
  }
  return JSON.stringify(stats);
}

describe('one collection is bounded whatever the stats body holds', () => {
  const task = loadShape('ec2-bridge-cgroupv2').task;
  const body = statsBodyWithInterfaces(INTERFACES);
  const result = collect(task, JSON.parse(body));
  const baseline = collect(task, loadShape('ec2-bridge-cgroupv2').stats);

  test('the body is a 5 MiB stats body (20,000 interfaces in each of the 2 running containers)', () => {
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
  });

  test('each container keeps its first 32 interfaces by name, 8 series each; the rest is counted as interface_limit', () => {
    const receive = result.families.find((f) => f.name === 'container_network_receive_bytes_total')!;
    expect(receive.samples).toHaveLength(2 * MAX_INTERFACES_PER_CONTAINER);
    expect(receive.samples.slice(0, 2).map((s) => s.labels.interface)).toEqual(['veth00000', 'veth00001']);
    expect(result.seriesDropped).toEqual({ interface_limit: 2 * (INTERFACES - MAX_INTERFACES_PER_CONTAINER) * 8 });
  });

  test('the exposition stays the size of a normal task (series and bytes)', () => {
    const networkSeries = 2 * MAX_INTERFACES_PER_CONTAINER * 8;
    // The baseline has one interface (8 series) per running container.
    expect(seriesCount(result.families)).toBe(seriesCount(baseline.families) - 2 * 8 + networkSeries);
    expect(seriesCount(result.families)).toBeLessThan(600);
    expect(renderFamilies(result.families).length).toBeLessThan(200 * 1024);
  });

  test('maxSeriesPerCollection keeps the first series and counts the rest as series_limit', () => {
    const limited = collect(task, JSON.parse(body), { maxSeries: 100 });
    expect(seriesCount(limited.families)).toBe(100);
    expect(limited.seriesDropped.series_limit).toBe(seriesCount(result.families) - 100);
    expect(limited.seriesDropped.interface_limit).toBe(result.seriesDropped.interface_limit);
  });

  test('the default limit is 20,000 series: a task under it loses nothing', () => {
    expect(result.seriesDropped.series_limit).toBeUndefined();
    expect(collect(task, loadShape('ec2-bridge-cgroupv2').stats).seriesDropped).toEqual({});
  });
});

describe('block devices are capped per container', () => {
  test('past 64 devices per container the read and write series are counted as device_limit', () => {
    const shape = loadShape('ec2-bridge-cgroupv2');
    const stats = JSON.parse(JSON.stringify(shape.stats)) as Record<string, Record<string, unknown> | null>;
    const nginx = Object.values(stats).find((s) => s !== null && (s.name as string | undefined)?.includes('nginx'))!;
    const entries = [];
    for (let minor = 0; minor < 1000; minor++) entries.push({ major: 8, minor, op: 'read', value: minor }, { major: 8, minor, op: 'write', value: minor });
    nginx.blkio_stats = { io_service_bytes_recursive: entries, io_serviced_recursive: null };
    const result = collect(shape.task, stats);
    const reads = result.families.find((f) => f.name === 'container_fs_reads_bytes_total')!.samples.filter((s) => s.labels.container === 'nginx');
    expect(reads).toHaveLength(MAX_DEVICES_PER_CONTAINER);
    expect(result.seriesDropped).toEqual({ device_limit: (1000 - MAX_DEVICES_PER_CONTAINER) * 2 });
  });
});

test('without a configured limit a collection keeps the environment contract\'s default number of series', () => {
  const limit = VARIABLES.maxSeriesPerCollection.default;
  const sink = new SampleSink();
  for (let i = 0; i <= limit; i++) sink.add('container_cpu_usage_seconds_total', { container: `c${i}` }, i);
  expect(sink.dropped()).toEqual({ series_limit: 1 });
});
