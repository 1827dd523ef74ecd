import { collect, loadShape } from './fixtures';
import { MAX_READ_AGE_MS, MAX_READ_AHEAD_MS, stampOf } from '../src/metrics/read-time';

const AT = Date.parse('2026-03-01T12:00:00Z');

describe('sample timestamps a receiver would refuse are replaced by the collection time', () => {
  test('a read within 5 minutes either side of the collection keeps its own time', () => {
    expect(stampOf(new Date(AT - 10_000).toISOString(), AT)).toEqual({ timestampMs: AT - 10_000 });
    expect(stampOf(new Date(AT - MAX_READ_AGE_MS).toISOString(), AT)).toEqual({ timestampMs: AT - MAX_READ_AGE_MS });
    expect(stampOf(new Date(AT + MAX_READ_AHEAD_MS).toISOString(), AT)).toEqual({ timestampMs: AT + MAX_READ_AHEAD_MS });
  });

  test('a read two days old is too old (Prometheus answers "out of bounds" past about an hour)', () => {
    expect(stampOf(new Date(AT - 2 * 86_400_000).toISOString(), AT)).toEqual({ timestampMs: AT, replaced: 'too_old' });
    expect(stampOf(new Date(AT - MAX_READ_AGE_MS - 1).toISOString(), AT)).toEqual({ timestampMs: AT, replaced: 'too_old' });
  });

  test('docker\'s zero time is too old, not unparsable', () => {
    expect(stampOf('0001-01-01T00:00:00Z', AT)).toEqual({ timestampMs: AT, replaced: 'too_old' });
  });

  test('a read more than 5 minutes ahead is in the future', () => {
    expect(stampOf(new Date(AT + MAX_READ_AHEAD_MS + 1).toISOString(), AT)).toEqual({ timestampMs: AT, replaced: 'in_future' });
  });

  test('an unparsable read is replaced; an absent one gives no timestamp (the sender stamps it)', () => {
    expect(stampOf('yesterday', AT)).toEqual({ timestampMs: AT, replaced: 'unparsable' });
    expect(stampOf(undefined, AT)).toEqual({});
  });

  test('the transform stamps every sample of a stale container with the collection time and counts them', () => {
    const shape = loadShape('ec2-bridge-cgroupv2');
    const result = collect(shape.task, shape.stats, { collectedAtMs: AT });
    const stamped = result.families.flatMap((f) => f.samples.filter((s) => s.timestampMs !== undefined));
    expect(stamped.length).toBeGreaterThan(0);
    expect(stamped.every((s) => s.timestampMs === AT)).toBe(true);
    expect(result.timestampsReplaced).toEqual({ too_old: stamped.length });
  });

  test('samples read in time keep their read time and nothing is counted', () => {
    const shape = loadShape('ec2-bridge-cgroupv2');
    const result = collect(shape.task, shape.stats);
    expect(result.timestampsReplaced).toEqual({});
    const cpu = result.families.find((f) => f.name === 'container_cpu_usage_seconds_total')!;
    expect(cpu.samples[0].timestampMs).toBe(Date.parse('2024-06-10T08:10:00.000000001Z'));
  });
});
