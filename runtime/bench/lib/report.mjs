/** Renders results as Markdown tables (docs/benchmark.md shows the same text). */
import { round } from './statistics.mjs';

const cell = (value, digits = 2) => (value === undefined || value === null || Number.isNaN(value) ? '–' : String(round(value, digits)));

export function renderMarkdown(results) {
  const lines = [];
  const m = results.machine;
  lines.push(`Measured ${results.finishedAt} (${results.mode} run) on ${m.nproc} × ${m.cpuModel}, ${m.memTotalGiB} GiB RAM, Node ${m.node}, Linux ${m.kernel}; exporter started as the image starts it: \`node ${[...(results.settings.nodeArgs ?? []), 'lib/main.js'].join(' ')}\`; load average (1/5/15 min) ${m.loadAverageAtStart.join(' / ')} at start and ${results.loadAverageAtEnd?.join(' / ') ?? '?'} at the end${busyNote(m.loadAverageAtStart, m.nproc)}. One timer wake-up of an idle \`node\` with the same flags cost ${m.wakeUpCpuUs ?? '?'} µs of CPU at a 1 s period on this machine (see docs/benchmark.md: a data point wakes the exporter 3-4 times).`);
  lines.push('');
  lines.push('| mode | containers | samples per scrape | first scrape: ms (CPU ms) | CPU per fresh data point (ms) | CPU per collection (ms) | CPU per cached scrape (ms) | idle CPU (ms/s) | steady RSS (MiB) | bytes per scrape gzip / plain | scrape p50 / p99 (ms) | p50 / p99 while collecting (ms) | remote write (samples/s) | bytes per sample |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of results.scenarios) {
    const rw = s.remoteWrite;
    lines.push(`| ${s.mode} | ${s.containers} | ${s.expositionSamples} | ${cell(s.firstScrapeMs, 0)} (${cell(s.firstScrapeCpuMs, 0)}) | ${cell(s.cpuMsPerDataPoint)} | ${cell(s.cpuMsPerCollection)} | ${cell(s.cpuMsPerScrape)} | ${cell(s.idleCpuMsPerSecond)} | ${cell(s.steadyRssMiB, 1)} | ${cell(s.gzipBytesPerScrape, 0)} / ${cell(s.plainBytesPerScrape, 0)} | ${cell(s.scrapeP50Ms)} / ${cell(s.scrapeP99Ms)} | ${cell(s.mixedScrapeP50Ms)} / ${cell(s.mixedScrapeP99Ms)} | ${rw ? cell(rw.samplesPerSecond, 0) : '–'} | ${rw ? cell(rw.bytesPerSample) : '–'} |`);
  }
  lines.push('');
  const s = results.settings;
  lines.push(`Every scrape asks for gzip, as Prometheus does. CPU per fresh data point: collections every ${s.collectInterval} scraped at the same interval, (exporter CPU - idle CPU) / collections, i.e. one collection, its render and one scrape. Latency and CPU per cached scrape: ${s.measuredScrapes} scrapes at ${s.scrapeRatePerSecond}/s over one keep-alive connection after ${s.warmupScrapes} warm-up, collections paused; "while collecting": ${s.mixedScrapes} more at ${s.scrapeRatePerSecond}/s with collections every ${s.collectInterval}. CPU per collection and steady RSS: collections every ${s.collectInterval} (15x the default) scraped ${s.steadyScrapeRatePerSecond}/s for ${s.collectWindowMs / 1000} s after ${s.collectWarmupMs / 1000} s warm-up; CPU summed over the exporter's threads from /proc/<pid>/task/*/schedstat, idle CPU and scrape CPU subtracted. Remote write: decoded by the receiver in the same window (Active also scrapes labelled containers: none in the simulated task); bytes are snappy-compressed protobuf as on the wire.`);
  if (results.outage) {
    const o = results.outage;
    lines.push('');
    lines.push('| full outage queue | value |');
    lines.push('|---|---:|');
    lines.push(`| containers, collect interval asked (collections/s achieved) | ${o.containers}, ${o.collectInterval} (${cell(o.collectionsPerSecondDuringFill, 1)}/s) |`);
    lines.push(`| queue capacity (samples) | ${o.queueCapacity} |`);
    lines.push(`| time to fill (s) | ${cell(o.fillSeconds, 1)} |`);
    lines.push(`| RSS with the full queue (MiB) | ${cell(o.fullQueueRssMiB, 1)} |`);
    lines.push(`| drain rate from the first delivery, collection going on (samples/s) | ${cell(o.drainSamplesPerSecond, 0)} |`);
    lines.push(`| bytes per sample while draining | ${cell(o.drainBytesPerSample)} |`);
    lines.push(`| first delivery after the receiver is back (s, retry backoff) | ${cell(o.firstDeliveryAfterRecoverySeconds, 1)} |`);
  }
  if (results.shippedSize) {
    const z = results.shippedSize;
    lines.push('');
    lines.push(`Shipped size (${z.method}): ${cell(z.totalBytes / 1048576, 1)} MiB = dependencies ${cell(z.dependenciesBytes / 1048576, 1)} MiB (${z.dependencyFiles} files) + lib/ ${cell(z.libBytes / 1048576, 2)} MiB. Largest packages: ${z.largestPackages.slice(0, 5).map((p) => `${p.name} ${cell(p.bytes / 1048576, 1)} MiB`).join(', ')}.`);
  }
  lines.push('');
  lines.push('| budget | limit | worst measured | where | verdict |');
  lines.push('|---|---:|---:|---|---|');
  for (const b of results.budgets) {
    lines.push(`| ${b.description} | ${b.limit} ${b.unit} | ${b.worst ? `${cell(b.worst.value)} ${b.unit}` : '–'} | ${b.worst?.where ?? 'not run in this mode'} | ${b.verdict} |`);
  }
  return lines.join('\n');
}

/** A load average above the core count means the exporter waited for a core: say so beside the figures. */
function busyNote(loadAverage, cores) {
  return loadAverage[0] > cores
    ? ': the machine was busy with other work, which inflates wall-clock figures (latency, start-up) far more than CPU and RSS'
    : '';
}
