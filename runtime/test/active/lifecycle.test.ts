/**
 * Active mode across the task's life: a metadata outage still reports `ecs_exporter_collection_up 0`
 * (the self-metrics go out although the collection failed, and the container series are not ended),
 * and the shutdown ends every series sent with a staleness marker.
 */
import { awsErrorServer, enrichmentWorker } from './helpers';
import { STALE_NAN_BITS, StrictReceiver, type ReceivedSample } from './strict-receiver';
import { startActiveMode } from '../../src/active';
import { startExporter } from '../../src/exporter';
import { silentLogger } from '../../src/logger';
import { startSimulatedTask } from '../../src/simulator';
import { testConfig, until } from '../helpers';

const credentials = async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret-key' });

async function setup() {
  let clockMs = Date.parse('2026-01-01T00:00:00Z');
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, now: () => clockMs });
  const aws = await awsErrorServer('AccessDeniedException', 400);
  const receiver = new StrictReceiver();
  await receiver.start();
  const config = testConfig({
    ECS_CONTAINER_METADATA_URI_V4: sim.metadataUri,
    collectInterval: '1h',
    scrapeInterval: '1h',
    remoteWrite_url: receiver.url,
    remoteWrite_flushInterval: '50ms',
  });
  const exporter = await startExporter(config, { host: '127.0.0.1', logger: silentLogger, defaultMetrics: false, now: () => clockMs });
  const active = await startActiveMode(exporter, { awsEndpoint: aws.endpoint, awsWorkerPath: enrichmentWorker(), awsCredentials: credentials });
  const samplesOf = (name: string, ...pairs: string[]): Array<[string, ReceivedSample[]]> =>
    [...receiver.series.entries()].filter(([key]) => key.includes(`"${name}"`) && pairs.every((p) => key.includes(p)));
  return {
    sim,
    receiver,
    exporter,
    active,
    samplesOf,
    advance: (ms: number) => { clockMs += ms; },
    now: () => clockMs,
    close: async () => {
      await exporter.stop();
      await receiver.stop();
      await aws.close();
      await sim.stop();
    },
  };
}

test('a failed collection still sends collection_up 0, without ending the container series', async () => {
  const t = await setup();
  try {
    t.advance(10_000);
    expect(await t.exporter.collector.collectNow()).toBe(true);
    t.sim.fail({ status: 500 });
    t.advance(10_000);
    expect(await t.exporter.collector.collectNow()).toBe(false);
    const downAt = t.now();

    const up = () => t.samplesOf('ecs_exporter_collection_up').flatMap(([, samples]) => samples);
    await until('collection_up 0', () => up().some((s) => s.value === 0), 15_000);
    expect(up().find((s) => s.value === 0)!.timestampMs).toBeGreaterThanOrEqual(downAt);

    // The outage does not end the containers' series: the next success resumes them.
    t.sim.recover();
    t.advance(10_000);
    expect(await t.exporter.collector.collectNow()).toBe(true);
    const resumedAt = t.now();
    const cpu = () => t.samplesOf('container_cpu_usage_seconds_total', '["container","app-0"]');
    await until('the resumed container series', () => (cpu()[0]?.[1] ?? []).some((s) => s.timestampMs === resumedAt), 15_000);
    expect(cpu()).toHaveLength(1);
    expect(cpu()[0][1].some((s) => s.bits === STALE_NAN_BITS)).toBe(false);
  } finally {
    await t.close();
  }
});
