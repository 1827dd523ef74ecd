/**
 * Active mode's wiring of configuration into the pipeline: SigV4 with the region taken from the task
 * ARN, and a full queue that drops its oldest samples, counts them and says so once.
 */
import * as crypto from 'node:crypto';
import { awsErrorServer, enrichmentWorker } from './helpers';
import { StrictReceiver } from './strict-receiver';
import { startActiveMode } from '../../src/active';
import { startExporter } from '../../src/exporter';
import { createLogger } from '../../src/logger';
import { startSimulatedTask } from '../../src/simulator';
import { exposedValue, testConfig, until } from '../helpers';

type Body = (lines: string[], active: Awaited<ReturnType<typeof startActiveMode>>, exposition: () => Promise<string>) => Promise<void>;

async function run(env: Record<string, string>, receiver: StrictReceiver, body: Body) {
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 2 });
  const aws = await awsErrorServer('AccessDeniedException', 400);
  const lines: string[] = [];
  const exporter = await startExporter(testConfig({ ECS_CONTAINER_METADATA_URI_V4: sim.metadataUri, collectInterval: '200ms', remoteWrite_url: receiver.url, remoteWrite_flushInterval: '100ms', ...env }),
    { host: '127.0.0.1', logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }), defaultMetrics: false });
  try {
    const active = await startActiveMode(exporter, {
      awsEndpoint: aws.endpoint,
      awsWorkerPath: enrichmentWorker(),
      awsCredentials: async () => ({ accessKeyId: 'AKIDWIRING', secretAccessKey: 'wiring-secret' }),
      backoff: { minMs: 50, maxMs: 200, maxRetryAfterMs: 1000 },
      flushDeadlineMs: 1000,
    });
    await body(lines, active, () => exporter.exposition());
  } finally {
    await exporter.stop();
    await Promise.all([sim.stop(), aws.close()]);
  }
}

test('SigV4 signs for service aps in the region of the task ARN when none is configured', async () => {
  const receiver = new StrictReceiver();
  await receiver.start();
  const scopes = new Set<string>();
  receiver.authenticate = (req, body) => {
    const auth = String(req.headers.authorization);
    const scope = /Credential=AKIDWIRING\/\d{8}\/([^/]+\/[^/]+)\/aws4_request/.exec(auth)?.[1];
    if (!scope) return 'no SigV4 Authorization header';
    scopes.add(scope);
    const hash = crypto.createHash('sha256').update(body).digest('hex');
    return req.headers['x-amz-content-sha256'] === undefined || req.headers['x-amz-content-sha256'] === hash ? undefined : 'payload hash mismatch';
  };
  try {
    await run({ remoteWrite_aws_useSigv4: 'true' }, receiver, async (_lines, active) => {
      await until('a signed request accepted', () => active.stats.samplesSent > 0, 15_000);
    });
    expect([...scopes]).toEqual(['us-west-2/aps']);
  } finally {
    await receiver.stop();
  }
});

test('a full queue drops the oldest samples first, counts every one and warns once a minute at most', async () => {
  const receiver = new StrictReceiver();
  await receiver.start();
  for (let i = 0; i < 10_000; i++) receiver.script.push({ status: 503 });
  try {
    await run({ remoteWrite_maxPendingSamples: '100' }, receiver, async (lines, active, exposition) => {
      await until('drops', () => active.stats.samplesDropped > 200, 15_000);
      expect(active.queue.length).toBe(100);
      const text = await exposition();
      expect(exposedValue(text, 'ecs_exporter_remote_write_samples_dropped_total')).toBeGreaterThan(200);
      expect(exposedValue(text, 'ecs_exporter_remote_write_queue_samples')).toBe(100);
      expect(exposedValue(text, 'ecs_exporter_remote_write_queue_capacity_samples')).toBe(100);
      expect(lines.filter((l) => l.includes('remote-write queue full'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('receiver unavailable'))).toHaveLength(1);
    });
  } finally {
    await receiver.stop();
  }
});
