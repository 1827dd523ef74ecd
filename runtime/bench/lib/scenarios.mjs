/**
 * The measurements. Each scenario starts the built exporter as a child process against the
 * simulated task (in the fixture process) and reads the exporter's own CPU and memory counters.
 *
 * CPU cost is separated by running two exporter processes per scenario:
 *  - "collections paused": collectInterval=1h, so after the start-up collection the only work is
 *    serving scrapes; CPU per scrape = (CPU during N scrapes - idle CPU for as long) / N.
 *  - "collections running": an accelerated collectInterval (1 s) scraped at the same interval;
 *    CPU per collection = (CPU over the window - idle CPU - those scrapes at the measured
 *    per-scrape cost) / the /task/stats requests the simulator served. Steady RSS is the highest
 *    VmRSS sampled in that window (after warm-up).
 * Idle CPU (timers, GC with nothing to do) is measured in the first process with nothing happening.
 */
import { freePort, startExporter, waitForFirstScrape } from './exporter-process.mjs';
import { readCpuMs, readMemoryMiB } from './proc-stats.mjs';
import { scrapeAtFixedRate } from './scrape-driver.mjs';
import { median, quantile } from './statistics.mjs';

export const PAUSED_INTERVAL = '1h';
const METRICS_PATH = '/container-stats/actuator/prometheus';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A scrape only counts as successful once the per-container series are there. */
export function hasContainerMetrics(body) {
  return /^container_cpu_usage_seconds_total\{/m.test(body);
}

/** Number of samples in an exposition body (lines that are not comments or blank). */
export function countExpositionSamples(body) {
  let count = 0;
  for (const line of body.split('\n')) if (line !== '' && !line.startsWith('#')) count += 1;
  return count;
}

/** Environment of one exporter process; Active mode when a remote-write URL is given. */
export function exporterEnv({ metadataUri, port, collectInterval, remoteWriteUrl, awsEndpoint, extra = {} }) {
  const env = {
    ECS_CONTAINER_METADATA_URI_V4: metadataUri,
    httpListenPort: String(port),
    collectInterval,
    ...extra,
  };
  if (remoteWriteUrl) {
    env.remoteWrite_url = remoteWriteUrl;
    env.scrapeInterval = collectInterval;
    // The AWS SDK's own endpoint override and static credentials: the once-per-task API calls
    // succeed against the fixture's stand-in, as they do for a task with the right IAM role.
    env.AWS_ENDPOINT_URL = awsEndpoint;
    env.AWS_ACCESS_KEY_ID = 'AKIABENCHMARK0000000';
    env.AWS_SECRET_ACCESS_KEY = 'benchmark-only-not-a-secret';
  }
  return env;
}

/** Starts one exporter and waits for its first successful scrape; returns it with its start-up time. */
async function launch({ settings, fixtureInfo, collectInterval, active, extraEnv }) {
  const port = await freePort();
  const env = exporterEnv({
    metadataUri: fixtureInfo.metadataUri,
    port,
    collectInterval,
    remoteWriteUrl: active ? fixtureInfo.remoteWriteUrl : undefined,
    awsEndpoint: fixtureInfo.awsEndpoint,
    extra: { ...settings.exporterEnv, ...extraEnv },
  });
  const exporter = startExporter({ mainJs: settings.mainJs, env, nodeArgs: settings.nodeArgs });
  const origin = `http://127.0.0.1:${port}`;
  try {
    const firstScrape = await waitForFirstScrape(exporter, {
      url: `${origin}${METRICS_PATH}`,
      isComplete: hasContainerMetrics,
      timeoutMs: settings.firstScrapeTimeoutMs,
    });
    return { exporter, origin, firstScrapeMs: firstScrape.wallMs, firstScrapeCpuMs: firstScrape.cpuMs };
  } catch (error) {
    await exporter.stop();
    throw error;
  }
}

function scrape(exporter, origin, count, settings, headers = {}) {
  return scrapeAtFixedRate({
    origin,
    path: METRICS_PATH,
    count,
    ratePerSecond: settings.scrapeRatePerSecond,
    headers,
    assertAlive: (what) => exporter.assertAlive(what),
  });
}

/**
 * Idle CPU (ms/s): the quietest of three windows that together last `windowMs`, after a settling
 * pause. Right after a burst of scrapes V8 still finishes its garbage collection; counted as idle, that
 * work was subtracted from every data point (one run showed 6.7 ms/s idle at 10 containers, 0.3 in
 * the next), so the CPU per data point swung by several ms between runs of the same build.
 */
async function measureIdleCpu(exporter, windowMs) {
  await sleep(windowMs / 3);
  let quietest = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const startCpu = readCpuMs(exporter.pid);
    const startedAt = performance.now();
    await sleep(windowMs / 3);
    exporter.assertAlive('the idle window');
    quietest = Math.min(quietest, ((readCpuMs(exporter.pid) - startCpu) * 1000) / (performance.now() - startedAt));
  }
  return quietest;
}

/** Collections paused: idle CPU, CPU per scrape, scrape latency without collections. */
async function measureScrapes({ settings, fixtureInfo, active }) {
  const { exporter, origin, firstScrapeMs, firstScrapeCpuMs } = await launch({ settings, fixtureInfo, collectInterval: PAUSED_INTERVAL, active });
  try {
    await scrape(exporter, origin, settings.warmupScrapes, settings);

    const idleCpuMsPerSecond = await measureIdleCpu(exporter, settings.idleWindowMs);

    const cpuBefore = readCpuMs(exporter.pid);
    const run = await scrape(exporter, origin, settings.measuredScrapes, settings);
    const cpuDuringScrapes = readCpuMs(exporter.pid) - cpuBefore;
    const cpuMsPerScrape = Math.max(0, cpuDuringScrapes - (idleCpuMsPerSecond * run.durationMs) / 1000) / settings.measuredScrapes;
    // Bytes of one scrape as Prometheus asks for it (gzip) and as a client without gzip gets it.
    const plain = await scrape(exporter, origin, 1, settings, { 'accept-encoding': 'identity' });
    if (run.lastEncoding !== 'gzip' || plain.lastEncoding !== undefined) throw new Error(`expected gzip for Accept-Encoding: gzip and plain otherwise, got ${run.lastEncoding} and ${plain.lastEncoding}`);

    return {
      firstScrapeMs,
      firstScrapeCpuMs,
      idleCpuMsPerSecond,
      cpuMsPerScrape,
      scrapeP50Ms: quantile(run.latenciesMs, 0.5),
      scrapeP99Ms: quantile(run.latenciesMs, 0.99),
      scrapeMaxMs: Math.max(...run.latenciesMs),
      lateScrapeStarts: run.lateStarts,
      gzipBytesPerScrape: run.lastBodyBytes,
      plainBytesPerScrape: plain.lastBodyBytes,
      expositionSamples: countExpositionSamples(run.lastBodyText),
      rssMiB: readMemoryMiB(exporter.pid).rssMiB,
    };
  } finally {
    await exporter.stop();
  }
}

/**
 * Collections running, scraped like a Prometheus server would be (at the same, accelerated,
 * interval as collections): CPU per collection, steady RSS, remote-write throughput; then a burst
 * of fixed-rate scrapes while collections keep running, for the latency a scraper sees.
 */
async function measureCollections({ settings, fixture, fixtureInfo, active, idleCpuMsPerSecond, cpuMsPerScrape }) {
  // The receiver's counters include what earlier processes of this scenario sent.
  const samplesBeforeLaunch = (await fixture.counters()).receiver.samples;
  const { exporter, origin, firstScrapeMs, firstScrapeCpuMs } = await launch({ settings, fixtureInfo, collectInterval: settings.collectInterval, active });
  const rssSamples = [];
  const sampleRss = () => {
    if (!exporter.exit) rssSamples.push(readMemoryMiB(exporter.pid).rssMiB);
  };
  try {
    // Active mode sends its first samples only after the once-per-task AWS calls (the first
    // collection waits for them): the warm-up starts from there.
    if (active) await waitForFirstRemoteWrite(exporter, fixture, samplesBeforeLaunch, settings.firstScrapeTimeoutMs);
    await sleep(settings.collectWarmupMs);
    exporter.assertAlive('the collection warm-up');

    const before = await fixture.counters();
    const cpuBefore = readCpuMs(exporter.pid);
    const startedAt = performance.now();
    const sampler = setInterval(sampleRss, 250);
    let steadyScrapes;
    try {
      steadyScrapes = await scrapeAtFixedRate({
        origin,
        path: METRICS_PATH,
        count: Math.max(1, Math.floor((settings.collectWindowMs / 1000) * settings.steadyScrapeRatePerSecond)),
        ratePerSecond: settings.steadyScrapeRatePerSecond,
        assertAlive: (what) => exporter.assertAlive(what),
      });
    } finally {
      clearInterval(sampler);
    }
    sampleRss();
    const cpuDelta = readCpuMs(exporter.pid) - cpuBefore;
    const windowMs = performance.now() - startedAt;
    const after = await fixture.counters();
    exporter.assertAlive('the collection window');

    const collections = after.statsRequests - before.statsRequests;
    if (collections < 1) {
      throw new Error(`the exporter read /task/stats ${collections} times in ${Math.round(windowMs)} ms with collectInterval=${settings.collectInterval}; last output:\n${exporter.logTail().join('\n')}`);
    }
    // What is left after idle time and the (separately measured) cost of the steady scrapes.
    const scrapeCpu = steadyScrapes.latenciesMs.length * cpuMsPerScrape;
    const cpuMsPerCollection = Math.max(0, cpuDelta - (idleCpuMsPerSecond * windowMs) / 1000 - scrapeCpu) / collections;
    // Collections and scrapes at the same interval: each collection is scraped once, as a
    // Prometheus with scrape_interval = collectInterval would. Idle CPU is not part of the point.
    const cpuMsPerDataPoint = Math.max(0, cpuDelta - (idleCpuMsPerSecond * windowMs) / 1000) / collections;

    let remoteWrite;
    if (active) {
      const samples = after.receiver.samples - before.receiver.samples;
      const wireBytes = after.receiver.wireBytes - before.receiver.wireBytes;
      if (samples < 1) {
        throw new Error(`the remote-write receiver got no samples in ${Math.round(windowMs)} ms (${after.receiver.invalidRequests} invalid requests, last error: ${after.receiver.lastError ?? 'none'}); last output:\n${exporter.logTail().join('\n')}`);
      }
      remoteWrite = {
        samplesPerSecond: (samples * 1000) / windowMs,
        samplesPerCollection: samples / collections,
        bytesPerSample: wireBytes / samples,
        uncompressedBytesPerSample: (after.receiver.uncompressedBytes - before.receiver.uncompressedBytes) / samples,
        requests: after.receiver.acceptedRequests - before.receiver.acceptedRequests,
        invalidRequests: after.receiver.invalidRequests,
        staleMarkers: after.receiver.staleMarkers,
        distinctSeries: after.receiver.distinctSeries,
        awsCalls: after.awsCalls,
      };
      if (after.receiver.invalidRequests > 0) {
        throw new Error(`the remote-write receiver refused ${after.receiver.invalidRequests} request(s): ${after.receiver.lastError}`);
      }
    }

    // Scrapes at the benchmark's fixed rate while collections keep running.
    const mixed = await scrape(exporter, origin, settings.mixedScrapes, settings);

    return {
      firstScrapeMs,
      firstScrapeCpuMs,
      collections,
      cpuMsPerCollection,
      cpuMsPerDataPoint,
      steadyScrapes: steadyScrapes.latenciesMs.length,
      collectionsPerSecond: (collections * 1000) / windowMs,
      mixedScrapeP50Ms: quantile(mixed.latenciesMs, 0.5),
      mixedScrapeP99Ms: quantile(mixed.latenciesMs, 0.99),
      steadyRssMiB: Math.max(...rssSamples),
      peakRssMiB: readMemoryMiB(exporter.pid).peakRssMiB,
      remoteWrite,
    };
  } finally {
    await exporter.stop();
  }
}

async function waitForFirstRemoteWrite(exporter, fixture, samplesBefore, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { receiver } = await fixture.counters();
    if (receiver.samples > samplesBefore) return;
    if (receiver.invalidRequests > 0) throw new Error(`the remote-write receiver refused the exporter's request: ${receiver.lastError}`);
    exporter.assertAlive('waiting for the first remote write');
    if (performance.now() > deadline) {
      throw new Error(`no remote-write samples arrived within ${timeoutMs} ms of the first scrape; last output:\n${exporter.logTail().join('\n')}`);
    }
    await sleep(50);
  }
}

/** Extra cold starts, so the start-up figure is a median rather than one draw. */
async function measureStartups({ settings, fixtureInfo, active, runs }) {
  const starts = [];
  for (let i = 0; i < runs; i += 1) {
    const { exporter, firstScrapeMs, firstScrapeCpuMs } = await launch({ settings, fixtureInfo, collectInterval: settings.collectInterval, active });
    starts.push({ firstScrapeMs, firstScrapeCpuMs });
    await exporter.stop();
  }
  return starts;
}

/** One (mode, container count) scenario. */
export async function runScenario({ mode, containers, settings, fixture, log }) {
  const active = mode === 'active';
  const fixtureInfo = await fixture.start(containers, settings.libDir);
  log(`${mode} ${containers} container(s): collections paused (scrape cost)`);
  const scrapes = await measureScrapes({ settings, fixtureInfo, active });
  log(`${mode} ${containers} container(s): collections every ${settings.collectInterval} (collection cost${active ? ', remote write' : ''})`);
  const collections = await measureCollections({ settings, fixture, fixtureInfo, active, idleCpuMsPerSecond: scrapes.idleCpuMsPerSecond, cpuMsPerScrape: scrapes.cpuMsPerScrape });
  const extraStarts = await measureStartups({ settings, fixtureInfo, active, runs: settings.extraStartups });
  const starts = [scrapes, collections, ...extraStarts];
  const startups = starts.map((start) => start.firstScrapeMs);
  return {
    mode,
    containers,
    firstScrapeMs: median(startups),
    firstScrapeMaxMs: Math.max(...startups),
    firstScrapeCpuMs: median(starts.map((start) => start.firstScrapeCpuMs)),
    startupRuns: startups.length,
    cpuMsPerScrape: scrapes.cpuMsPerScrape,
    cpuMsPerCollection: collections.cpuMsPerCollection,
    cpuMsPerDataPoint: collections.cpuMsPerDataPoint,
    idleCpuMsPerSecond: scrapes.idleCpuMsPerSecond,
    steadyRssMiB: collections.steadyRssMiB,
    rssScrapedAt50PerSecondMiB: scrapes.rssMiB,
    peakRssMiB: collections.peakRssMiB,
    scrapeP50Ms: scrapes.scrapeP50Ms,
    scrapeP99Ms: scrapes.scrapeP99Ms,
    scrapeMaxMs: scrapes.scrapeMaxMs,
    mixedScrapeP50Ms: collections.mixedScrapeP50Ms,
    mixedScrapeP99Ms: collections.mixedScrapeP99Ms,
    expositionSamples: scrapes.expositionSamples,
    gzipBytesPerScrape: scrapes.gzipBytesPerScrape,
    plainBytesPerScrape: scrapes.plainBytesPerScrape,
    collectionsMeasured: collections.collections,
    remoteWrite: collections.remoteWrite,
    simulatedTask: fixtureInfo.description,
  };
}
