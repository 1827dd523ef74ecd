/**
 * Runs the AWS API calls of one enrichment attempt in a short-lived child process
 * (aws-enrichment-worker.ts): the AWS SDK clients cost ~60 MiB of resident memory and ~0.5 s of
 * event-loop blocking (runtime/bench/FINDINGS.md), which the long-lived exporter would otherwise carry
 * for its whole life for an answer it needs once. This module therefore imports no AWS SDK code.
 *
 * The child gets only the environment it needs (AWS credential and endpoint variables, proxy and
 * Node TLS settings), never the exporter's passwords or tokens. Any failure of the child (cannot
 * start, crashes, misses its deadline, answers nonsense) resolves to `undefined` with its reason.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EnrichmentMessage, EnrichmentRequest, LogLevel } from './aws-enrichment-worker';
import type { AwsTaskInfo } from './task-info';
import { isRecord } from '../../core/fields';
import type { TaskMetadata } from '../../metadata/types';
import type { CredentialProvider } from '../sender';

/** The child gets this long (start-up, credential lookup, three calls with the SDK's retries). */
export const DEFAULT_ENRICHMENT_TIMEOUT_MS = 15_000;
/** Compiled next to this file in lib/active/aws (and next to main.js in a bundle). */
export const DEFAULT_WORKER_PATH = join(__dirname, 'aws-enrichment-worker.js');

export interface EnrichmentProcessOptions {
  /** Region of the ECS/EC2 API calls; defaults to the region in the task ARN. */
  readonly region?: string;
  /** Endpoint override (tests point it at moto); production uses the SDK's own resolution. */
  readonly endpoint?: string;
  /** Tests only: resolved here and handed to the child as AWS_ACCESS_KEY_ID/... in its environment. */
  readonly credentials?: CredentialProvider;
  /** The worker script; tests pass one built from the TypeScript source (or a misbehaving stand-in). */
  readonly workerPath?: string;
  readonly timeoutMs?: number;
  /** The environment the child's is taken from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The exporter's node flags, of which the child gets the V8 memory and tiering ones. @default process.execArgv */
  readonly execArgv?: readonly string[];
}

/** What one attempt gave: the answer and the child's own log lines, or the reason there is none. */
export type EnrichmentOutcome =
  | { readonly info: AwsTaskInfo; readonly logs: readonly ChildLog[] }
  | { readonly info?: undefined; readonly reason: string };

export interface ChildLog { readonly level: LogLevel; readonly message: string; readonly fields?: Record<string, unknown> }

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const STRING_FIELDS = ['serviceName', 'subnetId', 'vpcId', 'taskDefinitionFamily', 'taskDefinitionRevision'] as const;
/** Variables the child may see: AWS SDK settings and credentials, proxies, Node's TLS and module settings. */
const CHILD_ENV = /^(AWS_[A-Z0-9_]+|ECS_CONTAINER_METADATA_URI(_V4)?|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|NODE_EXTRA_CA_CERTS|NODE_PATH|NODE_ENV|NODE_TLS_REJECT_UNAUTHORIZED|PATH|HOME|TZ|LANG)$/;

/**
 * The flags of the image's CMD that bound memory: the young generation's size, the old generation's
 * limit, and V8 without its optimizing tiers. The child loads the AWS SDK clients (client-ec2 alone is
 * ~77 MiB of RSS on Node 24), and with these flags peaks at ~124 MiB instead of ~141 on Node 24, in
 * the same time (runtime/bench/FINDINGS.md). Valued flags only in their `--flag=value` form: the
 * value of `--flag value` would otherwise be taken for the worker's path.
 */
const CHILD_FLAG = /^--(?:(?:max-semi-space-size|max-old-space-size)=\d+|no-opt|no-maglev)$/;

/**
 * The child's node flags: the exporter's memory flags, nothing else (`--inspect` would clash on its
 * port, `--cpu-prof` or `-r` probes are the exporter's).
 */
function childExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.filter((flag) => CHILD_FLAG.test(flag));
}

/** The child's environment: only the variables the AWS SDK can use, never the exporter's secrets. */
export function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && CHILD_ENV.test(name)) out[name] = value;
  }
  return out;
}

export class EnrichmentProcess {
  private child?: ChildProcess;

  constructor(private readonly options: EnrichmentProcessOptions) {}

  /** One attempt; never rejects. */
  async run(task: TaskMetadata): Promise<EnrichmentOutcome> {
    let env: NodeJS.ProcessEnv;
    try {
      env = await this.childEnv();
    } catch (err) {
      return { reason: `the injected credentials could not be resolved: ${(err as Error).message}` };
    }
    return new Promise<EnrichmentOutcome>((resolve) => this.fork(task, env, resolve));
  }

  /** Kills a child still running (the exporter is stopping); its answer would no longer be used. */
  stop(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private fork(task: TaskMetadata, env: NodeJS.ProcessEnv, resolve: (outcome: EnrichmentOutcome) => void): void {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_ENRICHMENT_TIMEOUT_MS;
    const logs: ChildLog[] = [];
    let stderrTail = '';
    let settled = false;
    let child: ChildProcess | undefined;
    const finish = (info: AwsTaskInfo | undefined, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!info && child && child.exitCode === null) child.kill('SIGKILL');
      resolve(info ? { info, logs } : { reason: `${reason} (worker pid ${child?.pid ?? 'none'})` });
    };
    const timer = setTimeout(() => finish(undefined, `no answer within ${timeoutMs} ms (killed)`), timeoutMs);
    try {
      child = fork(this.options.workerPath ?? DEFAULT_WORKER_PATH, [], {
        env,
        execArgv: childExecArgv(this.options.execArgv ?? process.execArgv),
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
    child.on('error', (err) => finish(undefined, `cannot start: ${err.message}`));
    child.on('message', (message: unknown) => {
      const m = message as Partial<EnrichmentMessage> | null;
      if (m?.kind === 'log' && LEVELS.includes(m.level as LogLevel) && typeof m.message === 'string') {
        logs.push({ level: m.level as LogLevel, message: m.message, fields: isRecord(m.fields) ? m.fields : undefined });
        return;
      }
      finish(m?.kind === 'result' ? asTaskInfo(m.info) : undefined, 'malformed answer');
    });
    // 'close', not 'exit': it comes after stderr ended and the IPC channel closed, so an answer sent
    // just before exiting has been read by then.
    child.on('close', (code, signal) => finish(undefined, `exited (${signal ?? `code ${code}`}) without an answer${errorLine(stderrTail)}`));
    const request: EnrichmentRequest = { task, region: this.options.region, endpoint: this.options.endpoint };
    child.send(request, (err) => {
      if (err) finish(undefined, `cannot send the request: ${err.message}`);
    });
  }

  private async childEnv(): Promise<NodeJS.ProcessEnv> {
    const env = childEnvironment(this.options.env ?? process.env);
    if (!this.options.credentials) return env;
    const { accessKeyId, secretAccessKey, sessionToken } = await this.options.credentials();
    env.AWS_ACCESS_KEY_ID = accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
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
    if (v !== undefined && v !== null && typeof v !== 'string') return undefined;
    info[field] = typeof v === 'string' ? v : undefined;
  }
  return { ...info, tags, complete: value.complete !== false };
}
