/**
 * Each Active loop survives its own failures and says so once: a collection whose own series cannot
 * be built, a scraper that rejects and an enrichment child that throws, again and again, give one
 * error line per kind (repeats at debug), no unhandled rejection, and the loops go on.
 */
import { CapturingLogger, FakeClock } from './helpers';
import { TaskEnrichment } from '../../src/active/aws/task-enrichment';
import { CollectionSender } from '../../src/active/collection-sender';
import type { OwnSeriesSource } from '../../src/active/own-series-source';
import type { TaskScraper } from '../../src/active/scrape/scraper';
import type { SelfIdentity } from '../../src/active/self-identity';
import type { OutgoingSample } from '../../src/active/series-tracker';
import { systemClock } from '../../src/core/clock';
import { FailureLog } from '../../src/logger';
import type { TaskMetadata } from '../../src/metadata/types';
import { until } from '../helpers';

const INTERVAL_MS = 10_000;
const task: TaskMetadata = {
  TaskARN: 'arn:aws:ecs:us-west-2:111122223333:task/c/0f1e',
  Containers: [{ Name: 'app', DockerId: 'id-app', Labels: { PROMETHEUS_EXPORTER_PORT: '9100', PROMETHEUS_EXPORTER_PATH: '/metrics' } }],
};

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

test('failing own series, scrapes and enrichment attempts are each logged once at error, and every loop keeps going', async () => {
  const logger = new CapturingLogger();
  const failures = new FailureLog(logger);
  const clock = new FakeClock();
  let ownFailuresLeft = 3;
  let enrichmentRuns = 0;
  let scrapes = 0;
  const own = {
    async collect(_families: unknown, atMs: number, _target: unknown, _containers: boolean, out: (s: OutgoingSample) => void) {
      if (ownFailuresLeft-- > 0) throw new Error('prom-client registry unavailable');
      out({ labels: [['__name__', 'ecs_exporter_collection_up']], sample: { value: 1, timestampMs: atMs }, key: 'up' } as unknown as OutgoingSample);
    },
    endAll: () => undefined,
  } as unknown as OwnSeriesSource;
  const scraper = {
    scrape: async () => {
      scrapes++;
      throw new Error('scraper state corrupt');
    },
    endAll: () => undefined,
  } as unknown as TaskScraper;
  const enrichment = new TaskEnrichment({
    process: {
      run: async () => {
        enrichmentRuns++;
        throw new Error('fork EAGAIN');
      },
      stop: () => undefined,
    },
    clock: systemClock,
    logger,
    failures,
    latestTask: () => task,
    retry: { minMs: 1, maxMs: 5, maxRetryAfterMs: 0 },
    waitMs: 60_000,
  });
  const enqueued: OutgoingSample[] = [];
  const sender = new CollectionSender({
    own,
    scraper,
    identity: { in: () => ({ name: 'exporter' }) } as unknown as SelfIdentity,
    enrichment,
    enqueue: (samples) => enqueued.push(...samples),
    clock,
    logger,
    failures,
    scrapeIntervalMs: INTERVAL_MS,
    collectIntervalMs: INTERVAL_MS,
  });
  try {
    for (let tick = 0; tick < 4; tick++) {
      clock.current += INTERVAL_MS;
      await expect(sender.onCollection([], clock.now(), task)).resolves.toBeUndefined();
      await expect(sender.onFailure(clock.now(), task)).resolves.toBeUndefined();
    }
    await until('enrichment retries', () => enrichmentRuns >= 4, 5_000, 5);
  } finally {
    enrichment.stop();
  }

  expect(logger.atLevel('error').map((r) => r.message).sort()).toEqual([
    'aws enrichment attempt failed',
    'scraping the task\'s targets failed',
    'sending a collection failed',
  ]);
  const debug = logger.atLevel('debug').map((r) => r.message);
  expect(debug.filter((m) => m === 'sending a collection failed')).toHaveLength(2);
  expect(debug.filter((m) => m === 'scraping the task\'s targets failed').length).toBe(scrapes - 1);
  expect(debug.filter((m) => m === 'aws enrichment attempt failed').length).toBeGreaterThanOrEqual(3);
  // The loops went on: the own series went out once they could be built, scrapes were tried each due tick.
  expect(enqueued.length).toBeGreaterThan(0);
  expect(scrapes).toBeGreaterThanOrEqual(4);
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});
