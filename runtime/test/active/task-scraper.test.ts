import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { CapturingLogger } from './helpers';
import { ExpositionParseError, parseExposition } from '../../src/active/exposition-parser';
import { systemClock } from '../../src/active/ports';
import { LabelPair, WireSample } from '../../src/active/remote-write/series';
import { discoverEndpoints, ScrapeTarget, TaskScraper } from '../../src/active/task-scraper';
import type { ContainerMetadata, TaskMetadata } from '../../src/metadata/types';

describe('exposition parser', () => {
  test('reads names, escaped label values, special values, timestamps and ignores comments', () => {
    const text = [
      '# HELP http_requests_total Requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",path="/a \\"b\\" \\\\ c\\nd",} 1027 1395066363000',
      'http_requests_total{ method = "get" }\t3',
      'temperature NaN',
      'up_bound +Inf',
      'low_bound -Inf',
      'tiny 1.5e-3\r',
      'big 2E+10',
      '# some other comment',
      'rpc_duration_seconds_bucket{le="0.5"} 129389',
      '# EOF',
      '',
    ].join('\n');
    const samples = parseExposition(text);
    expect(samples[0]).toEqual({ name: 'http_requests_total', labels: { method: 'post', path: '/a "b" \\ c\nd' }, value: 1027, timestampMs: 1395066363000 });
    expect(samples[1]).toEqual({ name: 'http_requests_total', labels: { method: 'get' }, value: 3 });
    expect(Number.isNaN(samples[2].value)).toBe(true);
    expect(samples.slice(3).map((s) => s.value)).toEqual([Infinity, -Infinity, 0.0015, 2e10, 129389]);
    expect(samples[7].labels).toEqual({ le: '0.5' });
  });

  test.each([
    ['a value that is not a number', 'm abc', /invalid value/],
    ['an unterminated label value', 'm{a="x} 1', /unterminated/],
    ['a repeated label', 'm{a="1",a="2"} 1', /repeated/],
    ['an invalid escape', 'm{a="\\t"} 1', /invalid escape/],
    ['a missing value', 'm{a="1"}', /expected a value/],
    ['a bad timestamp', 'm 1 12.5', /invalid timestamp/],
    ['a bad metric name', '9m 1', /expected a metric name/],
  ])('rejects %s with the line number', (_what, line, reason) => {
    expect(() => parseExposition(`ok 1\n${line}\n`)).toThrow(ExpositionParseError);
    expect(() => parseExposition(`ok 1\n${line}\n`)).toThrow(reason);
    expect(() => parseExposition(`ok 1\n${line}\n`)).toThrow(/^line 2:/);
  });
});

function container(name: string, mode: string, ip: string | undefined, labels: Record<string, string>, status = 'RUNNING'): ContainerMetadata {
  return { Name: name, DockerId: `id-${name}`, KnownStatus: status, Labels: labels, Networks: [{ NetworkMode: mode, IPv4Addresses: ip ? [ip] : [] }] };
}
const LABELS = (port: number, path = '/metrics') => ({ PROMETHEUS_EXPORTER_PORT: String(port), PROMETHEUS_EXPORTER_PATH: path });

describe('target discovery', () => {
  test('awsvpc and host containers are scraped on 127.0.0.1, bridge ones on their own address', () => {
    const task: TaskMetadata = {
      Containers: [
        container('api', 'awsvpc', '10.0.2.106', LABELS(9100)),
        container('worker', 'bridge', '172.17.0.5', LABELS(9200, '/actuator/prometheus')),
        container('agent', 'host', undefined, LABELS(9300)),
        container('plain', 'awsvpc', '10.0.2.106', {}),
        container('stopped', 'awsvpc', '10.0.2.106', LABELS(9400), 'STOPPED'),
        container('sidecar', 'awsvpc', '10.0.2.106', LABELS(8014, '/container-stats/actuator/prometheus')),
        container('broken', 'awsvpc', '10.0.2.106', LABELS(70000)),
      ],
    };
    expect(discoverEndpoints(task, { selfDockerId: 'id-sidecar' })).toEqual([
      { containerName: 'api', url: 'http://127.0.0.1:9100/metrics', instance: '10.0.2.106:9100' },
      { containerName: 'worker', url: 'http://172.17.0.5:9200/actuator/prometheus', instance: '172.17.0.5:9200' },
      { containerName: 'agent', url: 'http://127.0.0.1:9300/metrics', instance: '127.0.0.1:9300' },
    ]);
  });
});

/** A scrape target whose body the test changes between scrapes. */
async function startTarget(host = '127.0.0.1') {
  let body = '';
  let status = 200;
  const server = http.createServer((req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(req.headers.accept?.includes('text/plain') ? body : 'wrong accept header');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    set(text: string, code = 200) { body = text; status = code; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

interface Emitted { readonly labels: Record<string, string>; readonly sample: WireSample }

function collectingSink(out: Emitted[]) {
  return (labels: readonly LabelPair[], sample: WireSample) => out.push({ labels: Object.fromEntries(labels), sample });
}

describe('task scraping', () => {
  test('adds target labels with honor_labels semantics and reports up, duration and samples scraped', async () => {
    const target = await startTarget();
    try {
      target.set('# TYPE jobs_total counter\njobs_total{queue="a",container="inner"} 5\njobs_total{queue="b",job=""} 7 1700000000000\n');
      const emitted: Emitted[] = [];
      const labels = { job: 'api', container: 'api', cluster: 'prod', instance: `10.0.0.1:${target.port}` };
      const targets: ScrapeTarget[] = [{ containerName: 'api', url: `http://127.0.0.1:${target.port}/metrics`, instance: labels.instance, labels }];
      const logger = new CapturingLogger();
      const scraper = new TaskScraper({ targets: () => targets, sink: collectingSink(emitted), logger, clock: systemClock, intervalMs: 15_000 });
      const before = Date.now();
      await scraper.scrapeOnce();
      await scraper.stop();
      const byName = (name: string) => emitted.filter((e) => e.labels.__name__ === name);
      expect(byName('jobs_total').map((e) => e.labels)).toEqual([
        { __name__: 'jobs_total', job: 'api', container: 'inner', cluster: 'prod', instance: labels.instance, queue: 'a' },
        { __name__: 'jobs_total', container: 'api', cluster: 'prod', instance: labels.instance, queue: 'b' },
      ]);
      expect(byName('jobs_total')[1].sample.timestampMs).toBe(1700000000000);
      const scrapeTs = byName('jobs_total')[0].sample.timestampMs;
      expect(scrapeTs).toBeGreaterThanOrEqual(before);
      expect(byName('up')).toEqual([{ labels: { __name__: 'up', ...labels }, sample: { value: 1, timestampMs: scrapeTs } }]);
      expect(byName('scrape_samples_scraped')[0].sample.value).toBe(2);
      expect(byName('scrape_duration_seconds')[0].sample.value).toBeGreaterThan(0);
      expect(byName('scrape_duration_seconds')[0].sample.value).toBeLessThan(5);
    } finally {
      await target.close();
    }
  });

  test('staleness markers: a vanished series, every series of a failed scrape, everything of a target that is gone', async () => {
    const target = await startTarget();
    try {
      const emitted: Emitted[] = [];
      const labels = { job: 'api', instance: 'x:1' };
      let targets: ScrapeTarget[] = [{ containerName: 'api', url: `http://127.0.0.1:${target.port}/metrics`, instance: 'x:1', labels }];
      const logger = new CapturingLogger();
      const scraper = new TaskScraper({ targets: () => targets, sink: collectingSink(emitted), logger, clock: systemClock, intervalMs: 15_000 });
      const staleNames = () => emitted.filter((e) => e.sample.stale).map((e) => e.labels.__name__ + (e.labels.k ? `{k=${e.labels.k}}` : '')).sort();

      target.set('m{k="1"} 1\nm{k="2"} 2\n');
      await scraper.scrapeOnce();
      expect(staleNames()).toEqual([]);

      emitted.length = 0;
      target.set('m{k="1"} 1\n');
      await scraper.scrapeOnce();
      expect(staleNames()).toEqual(['m{k=2}']);

      emitted.length = 0;
      target.set('oops', 500);
      await scraper.scrapeOnce();
      expect(staleNames()).toEqual(['m{k=1}']);
      expect(emitted.find((e) => e.labels.__name__ === 'up')!.sample.value).toBe(0);
      expect(logger.atLevel('warn')[0].fields).toMatchObject({ reason: 'HTTP 500' });

      emitted.length = 0;
      target.set('m{k="3"} 3\n');
      await scraper.scrapeOnce();
      emitted.length = 0;
      targets = [];
      await scraper.scrapeOnce();
      expect(staleNames()).toEqual(['m{k=3}', 'scrape_duration_seconds', 'scrape_samples_scraped', 'up']);
      await scraper.stop();
    } finally {
      await target.close();
    }
  });

  test('a malformed exposition counts as a failed scrape (up=0)', async () => {
    const target = await startTarget();
    try {
      target.set('m{a="1" 1\n');
      const emitted: Emitted[] = [];
      const targets: ScrapeTarget[] = [{ containerName: 'api', url: `http://127.0.0.1:${target.port}/metrics`, instance: 'x:1', labels: { job: 'api' } }];
      const logger = new CapturingLogger();
      const scraper = new TaskScraper({ targets: () => targets, sink: collectingSink(emitted), logger, clock: systemClock, intervalMs: 15_000 });
      await scraper.scrapeOnce();
      await scraper.stop();
      expect(emitted.find((e) => e.labels.__name__ === 'up')!.sample.value).toBe(0);
      expect(String(logger.atLevel('warn')[0].fields!.reason)).toMatch(/line 1/);
    } finally {
      await target.close();
    }
  });

  test('a bridge container is reached on its own address from the metadata', async () => {
    // 127.0.0.2 is loopback too on Linux: it stands for the container's bridge IP.
    const target = await startTarget('127.0.0.2');
    try {
      target.set('bridge_metric 42\n');
      const task: TaskMetadata = { Containers: [container('worker', 'bridge', '127.0.0.2', LABELS(target.port))] };
      const emitted: Emitted[] = [];
      const scraper = new TaskScraper({
        targets: () => discoverEndpoints(task).map((e) => ({ ...e, labels: { job: e.containerName, instance: e.instance } })),
        sink: collectingSink(emitted),
        logger: new CapturingLogger(),
        clock: systemClock,
        intervalMs: 15_000,
      });
      await scraper.scrapeOnce();
      await scraper.stop();
      expect(emitted.find((e) => e.labels.__name__ === 'bridge_metric')).toMatchObject({
        labels: { job: 'worker', instance: `127.0.0.2:${target.port}` }, sample: { value: 42 },
      });
    } finally {
      await target.close();
    }
  });
});
