/**
 * The full-outage scenario: the remote-write receiver answers 503 from the start, so every sample
 * stays in the exporter's queue until the queue is full (it then drops the oldest). The exporter's
 * RSS with a full queue is the memory a task must reserve for a long TSDB outage. When the
 * receiver comes back, the drain rate is the sender's real throughput.
 */
import { request } from 'undici';
import { freePort, startExporter, waitForFirstScrape } from './exporter-process.mjs';
import { readMemoryMiB } from './proc-stats.mjs';
import { exporterEnv, hasContainerMetrics } from './scenarios.mjs';

const METRICS_PATH = '/container-stats/actuator/prometheus';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads the remote-write queue's state from the exporter's self-metrics; `prefix` is the
 * exporter's own (REMOTE_WRITE_METRIC_PREFIX in lib/active/remote-write/stats.js).
 */
export function readQueueState(body, prefix) {
  const values = new Map();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#') || !line.startsWith(prefix)) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)[0];
    values.set(name, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return {
    pending: values.get(`${prefix}queue_samples`),
    capacity: values.get(`${prefix}queue_capacity_samples`),
    dropped: values.get(`${prefix}samples_dropped_total`),
    outOfOrder: values.get(`${prefix}samples_out_of_order_total`),
  };
}

async function scrapeQueueState(origin, prefix) {
  const response = await request(`${origin}${METRICS_PATH}`);
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`metrics endpoint answered HTTP ${response.statusCode} during the outage scenario`);
  const state = readQueueState(body, prefix);
  if (state.pending === undefined || state.capacity === undefined) {
    throw new Error(`the exporter exposes no ${prefix}queue_samples / ${prefix}queue_capacity_samples gauges: the outage scenario cannot tell when the queue is full`);
  }
  return state;
}

export async function runOutageScenario({ containers, settings, fixture, metricPrefix, log }) {
  const fixtureInfo = await fixture.start(containers, settings.libDir);
  await fixture.setOutage(true);
  const port = await freePort();
  const extra = { ...settings.exporterEnv };
  if (settings.outageQueueSamples !== undefined) extra.remoteWrite_maxPendingSamples = String(settings.outageQueueSamples);
  const exporter = startExporter({
    mainJs: settings.mainJs,
    nodeArgs: settings.nodeArgs,
    env: exporterEnv({ metadataUri: fixtureInfo.metadataUri, port, collectInterval: settings.outageCollectInterval, remoteWriteUrl: fixtureInfo.remoteWriteUrl, awsEndpoint: fixtureInfo.awsEndpoint, extra }),
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForFirstScrape(exporter, { url: `${origin}${METRICS_PATH}`, isComplete: hasContainerMetrics, timeoutMs: settings.firstScrapeTimeoutMs });
    const fillStartedAt = performance.now();
    const statsRequestsAtFillStart = (await fixture.counters()).statsRequests;
    let state = await scrapeQueueState(origin, metricPrefix);
    const capacity = state.capacity;
    log(`active outage, ${containers} containers: filling a ${capacity}-sample queue (collectInterval ${settings.outageCollectInterval})`);
    while (state.pending < capacity && !(state.dropped > 0)) {
      if (performance.now() - fillStartedAt > settings.outageFillTimeoutMs) {
        throw new Error(`queue held ${state.pending} of ${capacity} samples after ${settings.outageFillTimeoutMs} ms of outage (${state.outOfOrder} refused as out of order): it does not fill`);
      }
      exporter.assertAlive('the outage fill');
      await sleep(250);
      state = await scrapeQueueState(origin, metricPrefix);
    }
    const fillMs = performance.now() - fillStartedAt;
    const collectionsDuringFill = (await fixture.counters()).statsRequests - statsRequestsAtFillStart;

    // Hold the full queue (the oldest samples are being dropped now) and watch memory settle.
    const rssSamples = [];
    const holdStartedAt = performance.now();
    while (performance.now() - holdStartedAt < settings.outageHoldMs) {
      await sleep(250);
      exporter.assertAlive('the full-queue hold');
      rssSamples.push(readMemoryMiB(exporter.pid).rssMiB);
    }
    const fullState = await scrapeQueueState(origin, metricPrefix);
    const fullRssMiB = Math.max(...rssSamples);

    log(`active outage, ${containers} containers: receiver back, draining`);
    const atRecovery = await fixture.counters();
    await fixture.setOutage(false);
    const recoveredAt = performance.now();
    // The sender is still in its retry backoff: the drain rate is timed from its first delivery.
    let first = atRecovery;
    while (first.receiver.samples === atRecovery.receiver.samples) {
      if (performance.now() - recoveredAt > settings.outageDrainTimeoutMs) throw new Error(`nothing was delivered ${settings.outageDrainTimeoutMs} ms after the receiver came back`);
      exporter.assertAlive('the wait for the first delivery after recovery');
      await sleep(20);
      first = await fixture.counters();
    }
    const firstDeliveryAt = performance.now();
    // Drained when what is left is no more than 5% of the capacity (collection goes on meanwhile).
    const drainedBelow = Math.max(1, Math.ceil(capacity * 0.05));
    let drainState = await scrapeQueueState(origin, metricPrefix);
    while (drainState.pending > drainedBelow) {
      if (performance.now() - recoveredAt > settings.outageDrainTimeoutMs) {
        throw new Error(`queue still held ${drainState.pending} samples ${settings.outageDrainTimeoutMs} ms after the receiver came back`);
      }
      exporter.assertAlive('the drain');
      await sleep(100);
      drainState = await scrapeQueueState(origin, metricPrefix);
    }
    const drainedAt = performance.now();
    const after = await fixture.counters();
    const drainedSamples = after.receiver.samples - first.receiver.samples;
    return {
      containers,
      queueCapacity: capacity,
      collectInterval: settings.outageCollectInterval,
      fillSeconds: fillMs / 1000,
      collectionsPerSecondDuringFill: (collectionsDuringFill * 1000) / fillMs,
      pendingWhenFull: fullState.pending,
      droppedWhenFull: fullState.dropped,
      outOfOrderWhenFull: fullState.outOfOrder,
      fullQueueRssMiB: fullRssMiB,
      peakRssMiB: readMemoryMiB(exporter.pid).peakRssMiB,
      firstDeliveryAfterRecoverySeconds: (firstDeliveryAt - recoveredAt) / 1000,
      drainSeconds: (drainedAt - firstDeliveryAt) / 1000,
      drainSamplesPerSecond: (drainedSamples * 1000) / Math.max(1, drainedAt - firstDeliveryAt),
      drainBytesPerSample: (after.receiver.wireBytes - first.receiver.wireBytes) / Math.max(1, drainedSamples),
      invalidRequests: after.receiver.invalidRequests,
    };
  } finally {
    await exporter.stop();
  }
}
