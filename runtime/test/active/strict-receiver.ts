/**
 * A strict Remote-Write 1.0 receiver for tests: it answers 400 (with the reason) to any request that
 * breaks a MUST of the spec, records every accepted sample with its raw float64 bits, and can be told
 * to answer given statuses first (retry tests). It listens on 127.0.0.1 on a free port.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { WriteRequestBits } from './write-request-schema';
import { snappyUncompress } from '../../src/active/remote-write/codec';

export interface ReceivedSample {
  readonly value: number;
  readonly timestampMs: number;
  /** The float64 bit pattern as sent, e.g. 0x7ff0000000000002n for a staleness marker. */
  readonly bits: bigint;
}

export interface ReceivedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly status: number;
  readonly error?: string;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export const STALE_NAN_BITS = 0x7ff0000000000002n;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
// Millisecond timestamps of this century: seconds or nanoseconds fall outside.
const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

function bitsToFloat(bits: bigint): number {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(bits);
  return buffer.readDoubleLE(0);
}

interface LongLike { low: number; high: number }

function longToBigInt(value: LongLike | number): bigint {
  if (typeof value === 'number') return BigInt(value);
  return BigInt.asUintN(32, BigInt(value.high)) * 2n ** 32n + BigInt.asUintN(32, BigInt(value.low));
}

function longToSignedNumber(value: LongLike | number): number {
  if (typeof value === 'number') return value;
  return value.high * 2 ** 32 + (value.low < 0 ? value.low + 2 ** 32 : value.low);
}

/** Checks one decoded request against the spec; returns the violation or undefined. */
function validate(headers: http.IncomingHttpHeaders, body: Buffer, lastTimestamp: Map<string, number>,
  accepted: Map<string, ReceivedSample[]>): string | undefined {
  if (headers['content-encoding'] !== 'snappy') return `Content-Encoding must be snappy, got ${headers['content-encoding']}`;
  if (headers['content-type'] !== 'application/x-protobuf') return `Content-Type must be application/x-protobuf, got ${headers['content-type']}`;
  if (headers['x-prometheus-remote-write-version'] !== '0.1.0') return `X-Prometheus-Remote-Write-Version must be 0.1.0, got ${headers['x-prometheus-remote-write-version']}`;
  if (!headers['user-agent']) return 'User-Agent is required';
  if (body.length >= 10 && body.subarray(0, 10).equals(Buffer.from([0xff, 0x06, 0, 0, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]))) {
    return 'snappy framed format sent; the spec requires the block format';
  }
  let proto: Buffer;
  try {
    proto = Buffer.from(snappyUncompress(body));
  } catch (err) {
    return `body is not snappy block data: ${(err as Error).message}`;
  }
  type DecodedSample = { value: LongLike | number; timestamp: LongLike | number };
  let request: { timeseries?: Array<{ labels?: Array<{ name: string; value: string }>; samples?: DecodedSample[] }> };
  try {
    request = WriteRequestBits.decode(proto) as unknown as typeof request;
  } catch (err) {
    return `body is not a WriteRequest: ${(err as Error).message}`;
  }
  const staged = new Map<string, ReceivedSample[]>();
  const stagedLast = new Map<string, number>();
  for (const series of request.timeseries ?? []) {
    const labels = series.labels ?? [];
    if (!labels.some((l) => l.name === '__name__')) return 'series without __name__';
    for (let i = 0; i < labels.length; i++) {
      const { name, value } = labels[i];
      if (!LABEL_NAME.test(name) && name !== '__name__') return `invalid label name "${name}"`;
      if (name === '__name__' && !METRIC_NAME.test(value)) return `invalid metric name "${value}"`;
      if (value === '') return `empty value for label "${name}"`;
      if (i > 0 && !(labels[i - 1].name < name)) {
        return labels[i - 1].name === name ? `repeated label name "${name}"` : `labels not sorted: "${labels[i - 1].name}" before "${name}"`;
      }
    }
    const key = JSON.stringify(labels.map((l) => [l.name, l.value]));
    const samples = series.samples ?? [];
    if (samples.length === 0) return `series ${key} has no samples`;
    for (const sample of samples) {
      const timestampMs = longToSignedNumber(sample.timestamp);
      if (timestampMs < MIN_MS || timestampMs > MAX_MS) return `timestamp ${timestampMs} is not in milliseconds`;
      const previous = stagedLast.get(key) ?? lastTimestamp.get(key);
      if (previous !== undefined && timestampMs <= previous) {
        return `out-of-order or duplicate sample for ${key}: ${timestampMs} after ${previous}`;
      }
      stagedLast.set(key, timestampMs);
      const bits = longToBigInt(sample.value);
      const value = bitsToFloat(bits);
      if (Number.isNaN(value) && bits !== STALE_NAN_BITS && bits !== 0x7ff8000000000001n) {
        return `NaN with unexpected bits 0x${bits.toString(16)} (stale marker must be 0x7ff0000000000002)`;
      }
      const list = staged.get(key) ?? [];
      list.push({ value, timestampMs, bits });
      staged.set(key, list);
    }
  }
  for (const [key, samples] of staged) {
    accepted.set(key, [...(accepted.get(key) ?? []), ...samples]);
    lastTimestamp.set(key, samples[samples.length - 1].timestampMs);
  }
  return undefined;
}

export class StrictReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Accepted samples by series key (JSON of the sorted [name, value] pairs). */
  readonly series = new Map<string, ReceivedSample[]>();
  /** Responses to give before validating normally (first in, first out). */
  readonly script: ScriptedResponse[] = [];
  /** When set, requests without this exact Authorization header get 401. */
  requiredAuthorization?: string;
  /** Extra check of each request (e.g. a SigV4 verification); a returned string is answered 403. */
  authenticate?: (req: http.IncomingMessage, body: Buffer) => string | undefined;
  private readonly lastTimestamp = new Map<string, number>();
  private server?: http.Server;
  private port = 0;

  /** With `tls`, the receiver speaks HTTPS with that key and certificate. */
  constructor(private readonly tls?: { key: string; cert: string }) {}

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/api/v1/write`;
  }

  /** Forgets everything received (the per-series order state too) and any script. */
  reset(): void {
    this.requests.length = 0;
    this.series.clear();
    this.script.length = 0;
    this.lastTimestamp.clear();
  }

  /** Listens on a free port, or on `port` (to come back at the same address after `stop`). */
  async start(port = 0): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const reply = (status: number, body = '', headers: Record<string, string> = {}) => {
          this.requests.push({ headers: req.headers, status, error: status >= 400 ? body : undefined });
          res.writeHead(status, headers);
          res.end(body);
        };
        const scripted = this.script.shift();
        if (scripted) return reply(scripted.status, scripted.body ?? '', scripted.headers);
        if (req.method !== 'POST') return reply(405, 'POST required');
        if (this.requiredAuthorization !== undefined && req.headers.authorization !== this.requiredAuthorization) {
          return reply(401, 'unauthorized');
        }
        const authError = this.authenticate?.(req, Buffer.concat(chunks));
        if (authError !== undefined) return reply(403, authError);
        const error = validate(req.headers, Buffer.concat(chunks), this.lastTimestamp, this.series);
        return error ? reply(400, error) : reply(204);
      });
    };
    this.server = this.tls ? https.createServer(this.tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Samples of the series whose labels (without order) equal `labels`. */
  samplesOf(labels: Record<string, string>): ReceivedSample[] {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return this.series.get(key) ?? [];
  }

  totalSamples(): number {
    let total = 0;
    for (const samples of this.series.values()) total += samples.length;
    return total;
  }
}
