/**
 * The AWS side of the target labels (service name, subnet, VPC, task definition, tags), fetched once
 * per task by `fetchAwsTaskInfo` (aws-task-info.ts) and cached for the life of the task.
 *
 * The calls run in a short-lived child process (aws-enrichment-worker.ts): the AWS SDK clients cost
 * ~60 MiB of resident memory and ~0.5 s of event-loop blocking (runtime/bench/FINDINGS.md), which the
 * long-lived exporter, with an 80 MiB budget in Active mode, would otherwise carry for its whole life
 * for an answer it needs once. This module therefore imports no AWS SDK code.
 *
 * Any failure of the child (cannot start, crashes, misses its deadline, answers nonsense) is handled
 * like a failed AWS call: metadata-only labels and ONE warning, never a crash of the exporter.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EnrichmentMessage, EnrichmentRequest, LogLevel } from './aws-enrichment-worker';
import type { AwsTaskInfo } from './aws-task-info';
import type { ActiveLogger } from './ports';
import type { CredentialProvider } from './remote-write/sigv4';
import type { TaskMetadata } from '../metadata/types';

export type { AwsTaskInfo } from './aws-task-info';

/**
 * The child gets this long (start-up, credential lookup, three calls with the SDK's retries) before it
 * is killed. Shorter than the 20 s the first collection waits, so the warning says what went wrong.
 */
export const DEFAULT_ENRICHMENT_TIMEOUT_MS = 15_000;
/** Compiled next to this file in lib/active (and next to main.js in a bundle). */
export const DEFAULT_WORKER_PATH = join(__dirname, 'aws-enrichment-worker.js');

export interface AwsEnrichmentOptions {
  /** Region of the ECS/EC2 API calls; defaults to the region in the task ARN. */
  readonly region?: string;
  /** Endpoint override (tests point it at moto); production uses the SDK's own resolution. */
  readonly endpoint?: string;
  /**
   * Tests only: resolved here and handed to the child as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
   * AWS_SESSION_TOKEN in its environment. Production leaves it unset: the child inherits the
   * environment, so the SDK finds the task role through AWS_CONTAINER_CREDENTIALS_* as it would here.
   */
  readonly credentials?: CredentialProvider;
  readonly logger: ActiveLogger;
  /** The worker script; tests pass one built from the TypeScript source (or a misbehaving stand-in). */
  readonly workerPath?: string;
  readonly timeoutMs?: number;
}

const FALLBACK: AwsTaskInfo = { tags: {} };
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const STRING_FIELDS = ['serviceName', 'subnetId', 'vpcId', 'taskDefinitionFamily', 'taskDefinitionRevision'] as const;

/** Fetches once (in the child) and caches the answer, or the fallback, for the life of the task. */
export class AwsEnrichment {
  private cached?: Promise<AwsTaskInfo>;
  private child?: ChildProcess;

  constructor(private readonly options: AwsEnrichmentOptions) {}

  taskInfo(task: TaskMetadata): Promise<AwsTaskInfo> {
    this.cached ??= this.runChild(task);
    return this.cached;
  }

  /** Kills a child still running (the exporter is stopping); its answer would no longer be used. */
  stop(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private async runChild(task: TaskMetadata): Promise<AwsTaskInfo> {
    const { logger } = this.options;
    let env: NodeJS.ProcessEnv;
    try {
      env = await this.childEnv();
    } catch (err) {
      logger.warn('aws enrichment failed: the injected credentials could not be resolved; labels come from the metadata only', { reason: (err as Error).message });
      return FALLBACK;
    }
    return new Promise<AwsTaskInfo>((resolve) => {
      const timeoutMs = this.options.timeoutMs ?? DEFAULT_ENRICHMENT_TIMEOUT_MS;
      // Held back until the answer is known, so a child that fails after a warning still yields ONE warning.
      const logs: Array<Extract<EnrichmentMessage, { kind: 'log' }>> = [];
      let stderrTail = '';
      let settled = false;
      let child: ChildProcess;
      const finish = (info: AwsTaskInfo | undefined, reason?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (info) {
          for (const log of logs) logger[log.level](log.message, log.fields);
        } else {
          logger.warn('aws enrichment failed: the AWS API child process gave no answer; labels come from the metadata only', {
            reason, workerPid: child?.pid,
          });
        }
        resolve(info ?? FALLBACK);
      };
      const timer = setTimeout(() => {
        child?.kill('SIGKILL');
        finish(undefined, `no answer within ${timeoutMs} ms (killed)`);
      }, timeoutMs);
      try {
        child = fork(this.options.workerPath ?? DEFAULT_WORKER_PATH, [], {
          env,
          // Not the exporter's flags: --inspect would clash on its port, --cpu-prof/-r probes are the parent's.
          execArgv: [],
          // stdout is the exporter's JSON log stream, so the child gets none; stderr gives a failure its reason.
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
          serialization: 'json',
        });
      } catch (err) {
        finish(undefined, `cannot start: ${(err as Error).message}`);
        return;
      }
      this.child = child;
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => { stderrTail = (stderrTail + chunk).slice(-2_000); });
      child.on('error', (err) => {
        child.kill('SIGKILL');
        finish(undefined, `cannot start: ${err.message}`);
      });
      child.on('message', (message: unknown) => {
        const m = message as Partial<EnrichmentMessage> | null;
        if (m?.kind === 'log' && LEVELS.includes(m.level as LogLevel) && typeof m.message === 'string') {
          logs.push({ kind: 'log', level: m.level as LogLevel, message: m.message, fields: isRecord(m.fields) ? m.fields : undefined });
          return;
        }
        const info = m?.kind === 'result' ? asTaskInfo(m.info) : undefined;
        if (!info) child.kill('SIGKILL');
        finish(info, 'malformed answer');
      });
      // 'close', not 'exit': it comes after stderr ended and the IPC channel closed, so an answer sent
      // just before exiting has been read by then.
      child.on('close', (code, signal) => {
        finish(undefined, `exited (${signal ?? `code ${code}`}) without an answer${errorLine(stderrTail)}`);
      });
      const request: EnrichmentRequest = { task, region: this.options.region, endpoint: this.options.endpoint };
      child.send(request, (err) => {
        if (err) {
          child.kill('SIGKILL');
          finish(undefined, `cannot send the request: ${err.message}`);
        }
      });
    });
  }

  private async childEnv(): Promise<NodeJS.ProcessEnv> {
    if (!this.options.credentials) return process.env;
    const { accessKeyId, secretAccessKey, sessionToken } = await this.options.credentials();
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey };
    // A session token of some other identity left in the environment would not match these keys.
    if (sessionToken) env.AWS_SESSION_TOKEN = sessionToken;
    else delete env.AWS_SESSION_TOKEN;
    return env;
  }
}

/** The worker's own error line or an uncaught exception's (Node prints its version after it), else the last line. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = [...lines].reverse().find((l) => /^(aws-enrichment-worker:|\w*Error\b)/.test(l)) ?? lines.at(-1);
  return line ? `: ${line.slice(0, 300)}` : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The child's answer, checked field by field: it becomes labels, so nothing but strings gets through. */
function asTaskInfo(value: unknown): AwsTaskInfo | undefined {
  if (!isRecord(value) || !isRecord(value.tags)) return undefined;
  const tags: Record<string, string> = {};
  for (const [key, tag] of Object.entries(value.tags)) {
    if (typeof tag !== 'string') return undefined;
    tags[key] = tag;
  }
  const info: Record<string, string | undefined> = {};
  for (const field of STRING_FIELDS) {
    const v = value[field];
    if (v !== undefined && typeof v !== 'string') return undefined;
    info[field] = v;
  }
  return { ...info, tags };
}
