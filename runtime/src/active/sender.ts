/**
 * The remote-write side, as the rest of Active mode uses it: the one module that imports the
 * sender's files (queue, writer, transport, wire series, SigV4), so moving them touches only here.
 * `createSender` wires them from the configuration.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type RemoteWriteConfig } from '../config';
import { RemoteWriteStats } from './remote-write/stats';
import { HttpTransport, type RemoteWriteTransport } from './remote-write/transport';
import { RemoteWriter } from './remote-write/writer';
import type { BackoffPolicy } from '../core/backoff';
import { SampleQueue } from './remote-write/queue';
import { createSigV4Signer, type CredentialProvider, type RequestSigner } from './remote-write/sigv4';
import type { Clock } from '../core/clock';
import { parseTaskIdentity } from '../core/task-identity';
import type { Logger } from '../logger';
import type { TaskMetadata } from '../metadata/types';

export { HttpTransport, type RemoteWriteTransport } from './remote-write/transport';
export { RemoteWriteStats } from './remote-write/stats';
export { RemoteWriter } from './remote-write/writer';
export type { BackoffPolicy } from '../core/backoff';
export { SampleQueue } from './remote-write/queue';
export { seriesKey, seriesLabels, type LabelPair, type WireSample } from './remote-write/series';
export { createSigV4Signer, type CredentialProvider, type RequestSigner } from './remote-write/sigv4';

export const USER_AGENT = 'asserts-ecs-exporter/1.0 (remote-write 0.1.0)';
/** A full queue is logged at most this often (every drop is counted). */
const DROP_LOG_INTERVAL_MS = 60_000;

export interface SenderOptions {
  readonly rw: RemoteWriteConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The latest task metadata (SigV4's region when none is configured). */
  readonly latestTask: () => TaskMetadata | undefined;
  readonly credentials?: CredentialProvider;
  readonly transport?: RemoteWriteTransport;
  readonly backoff?: BackoffPolicy;
}

export interface Sender {
  readonly queue: SampleQueue;
  readonly stats: RemoteWriteStats;
  readonly writer: RemoteWriter;
}

export function createSender(options: SenderOptions): Sender {
  const { rw, clock, logger } = options;
  const stats = new RemoteWriteStats(() => queue.length, rw.maxPendingSamples);
  let droppedSinceLog = 0;
  let lastDropLogMs = -Infinity;
  const queue = new SampleQueue(rw.maxPendingSamples, (count) => {
    stats.samplesDropped += count;
    droppedSinceLog += count;
    if (clock.now() - lastDropLogMs < DROP_LOG_INTERVAL_MS) return;
    logger.warn('remote-write queue full: dropping the oldest samples', { dropped: droppedSinceLog, capacity: rw.maxPendingSamples });
    lastDropLogMs = clock.now();
    droppedSinceLog = 0;
  });
  const transport = options.transport ?? new HttpTransport({
    url: rw.url,
    userAgent: USER_AGENT,
    basicAuth: rw.basicAuthUsername !== undefined ? { username: rw.basicAuthUsername, password: rw.basicAuthPassword ?? '' } : undefined,
    bearerToken: rw.bearerToken,
    signer: rw.awsUseSigv4 ? lazySigner(rw, options.latestTask, options.credentials) : undefined,
    insecureSkipVerify: rw.tlsInsecureSkipVerify,
    caPem: rw.tlsCAFile !== undefined ? readCaFile(rw.tlsCAFile) : undefined,
    now: () => clock.now(),
  });
  const writer = new RemoteWriter({ queue, transport, stats, logger, clock, flushIntervalMs: rw.flushIntervalMs, backoff: options.backoff });
  return { queue, stats, writer };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`remoteWrite_tlsCAFile cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): mount the PEM file at ${JSON.stringify(path)} or unset the variable`);
  }
}

/** SigV4 needs a region: the configured one, else the one in the task ARN (known after the first collection). */
function lazySigner(rw: RemoteWriteConfig, task: () => TaskMetadata | undefined, credentials?: CredentialProvider): RequestSigner {
  let signer: Promise<RequestSigner> | undefined;
  return async (url, headers, body) => {
    if (!signer) {
      const region = rw.awsRegion ?? parseTaskIdentity(task()?.TaskARN, undefined).region;
      if (!region) throw new Error('SigV4 region unknown yet: set remoteWrite_aws_region, or wait for the first task metadata');
      signer = createSigV4Signer({ region, credentials });
    }
    return (await signer)(url, headers, body);
  };
}

