/**
 * TLS of the remote-write client (self-signed certificate made with openssl at test time: refused by
 * default, accepted with the CA file, accepted with SKIP_TLS_VERIFY=true, and the rest of the process
 * unaffected) and the Authorization schemes: bearer token and SigV4, the latter checked by an
 * independent implementation of the signature in this test.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from 'undici';
import { awsErrorServer, enrichmentWorker } from './helpers';
import { StrictReceiver } from './strict-receiver';
import { startActiveMode } from '../../src/active';
import { seriesLabels } from '../../src/active/remote-write/series';
import { createSigV4Signer } from '../../src/active/remote-write/sigv4';
import { encodeWriteRequest } from '../../src/active/remote-write/snappy-request';
import { HttpTransport } from '../../src/active/remote-write/transport';
import { ConfigError } from '../../src/config';
import { startExporter } from '../../src/exporter';
import { silentLogger } from '../../src/logger';
import { startSimulatedTask } from '../../src/simulator';
import { testConfig } from '../helpers';

const BODY = encodeWriteRequest([{ labels: seriesLabels('tls_probe', {}), samples: [{ value: 1, timestampMs: Date.UTC(2026, 0, 1) }] }]);

function selfSignedCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const result = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl failed: ${result.error?.message ?? result.stderr}`);
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8'), certFile };
}

describe('remote-write TLS with a self-signed certificate', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rw-tls-'));
  const tls = selfSignedCertificate(dir);
  const receiver = new StrictReceiver({ key: tls.key, cert: tls.cert });
  beforeAll(() => receiver.start());
  afterAll(async () => {
    await receiver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('is refused by default', async () => {
    const transport = new HttpTransport({ url: receiver.url, userAgent: 'test' });
    await expect(transport.post(BODY)).rejects.toThrow(/self[- ]signed certificate/);
    await transport.close();
  });

  test('is accepted with the CA file', async () => {
    const transport = new HttpTransport({ url: receiver.url, userAgent: 'test', caPem: fs.readFileSync(tls.certFile, 'utf8') });
    expect((await transport.post(BODY)).status).toBe(204);
    await transport.close();
  });

  test('is accepted with verification skipped, for the remote-write client only', async () => {
    const insecure = new HttpTransport({ url: receiver.url, userAgent: 'test', insecureSkipVerify: true });
    receiver.reset();
    expect((await insecure.post(BODY)).status).toBe(204);
    // Every other client of the process still verifies certificates.
    await expect(request(receiver.url, { method: 'POST', body: 'x' })).rejects.toThrow(/self[- ]signed certificate/);
    await expect(fetch(receiver.url, { method: 'POST', body: 'x' })).rejects.toThrow();
    const strict = new HttpTransport({ url: receiver.url, userAgent: 'test' });
    await expect(strict.post(BODY)).rejects.toThrow(/self[- ]signed certificate/);
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
    await Promise.all([insecure.close(), strict.close()]);
  });

  test.each([
    ['SKIP_TLS_VERIFY=true', { SKIP_TLS_VERIFY: 'true' }],
    ['remoteWrite_tlsCAFile', { remoteWrite_tlsCAFile: tls.certFile }],
  ])('Active mode delivers over HTTPS with %s', async (_what, env) => {
    receiver.reset();
    const sim = await startSimulatedTask({ containers: 1 });
    const aws = await awsErrorServer('AccessDeniedException', 400);
    const exporter = await startExporter(testConfig({
      ECS_CONTAINER_METADATA_URI_V4: sim.metadataUri, collectInterval: '200ms', remoteWrite_url: receiver.url, remoteWrite_flushInterval: '100ms', ...env,
    }), { host: '127.0.0.1', logger: silentLogger, defaultMetrics: false });
    try {
      const active = await startActiveMode(exporter, { awsEndpoint: aws.endpoint, awsWorkerPath: enrichmentWorker(), awsCredentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }) });
      const deadline = Date.now() + 15_000;
      while (active.stats.samplesSent === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(active.stats.samplesSent).toBeGreaterThan(0);
      expect(receiver.requests.every((r) => r.status === 204)).toBe(true);
    } finally {
      await exporter.stop();
      await Promise.all([sim.stop(), aws.close()]);
    }
  });

  test('an unreadable CA file stops Active mode with one line naming the variable', async () => {
    const sim = await startSimulatedTask({ containers: 1 });
    const exporter = await startExporter(testConfig({
      ECS_CONTAINER_METADATA_URI_V4: sim.metadataUri, remoteWrite_url: receiver.url, remoteWrite_tlsCAFile: '/nonexistent/ca.pem',
    }), { host: '127.0.0.1', logger: silentLogger, defaultMetrics: false });
    try {
      const started = startActiveMode(exporter);
      await expect(started).rejects.toThrow(ConfigError);
      await expect(started).rejects.toThrow(/^remoteWrite_tlsCAFile cannot be read \(ENOENT\)/);
    } finally {
      await exporter.stop();
      await sim.stop();
    }
  });
});

/** An independent SigV4 check (AWS "Create a signed AWS API request"), for the receiver side. */
interface SigV4Scope { accessKeyId: string; region: string; service: string }

function verifySigV4(req: IncomingMessage, body: Buffer, secretAccessKey: string, expect: SigV4Scope): string | undefined {
  const auth = req.headers.authorization ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return `malformed Authorization: ${auth.slice(0, 40)}`;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  if (accessKeyId !== expect.accessKeyId || region !== expect.region || service !== expect.service) return `wrong scope ${accessKeyId}/${region}/${service}`;
  const amzDate = String(req.headers['x-amz-date']);
  if (!amzDate.startsWith(date)) return 'x-amz-date does not match the credential scope';
  const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');
  const payloadHash = sha256(body);
  if (req.headers['x-amz-content-sha256'] !== undefined && req.headers['x-amz-content-sha256'] !== payloadHash) return 'x-amz-content-sha256 does not match the body';
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date']) if (!names.includes(required)) return `${required} not signed`;
  const canonicalHeaders = names.map((name) => `${name}:${String(req.headers[name]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const url = new URL(req.url ?? '/', 'http://x');
  const query = [...url.searchParams.entries()].sort().map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const canonicalRequest = [req.method, url.pathname, query, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const hmac = (key: string | Buffer, data: string) => crypto.createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  const expected = crypto.createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return expected === signature ? undefined : 'signature mismatch';
}

describe('authorization schemes', () => {
  const receiver = new StrictReceiver();
  beforeEach(() => receiver.start());
  afterEach(async () => {
    receiver.reset();
    receiver.authenticate = undefined;
    receiver.requiredAuthorization = undefined;
    await receiver.stop();
  });

  test('bearer token', async () => {
    receiver.requiredAuthorization = 'Bearer tok-123';
    const transport = new HttpTransport({ url: receiver.url, userAgent: 'test', bearerToken: 'tok-123' });
    expect((await transport.post(BODY)).status).toBe(204);
    await transport.close();
  });

  test('SigV4 for service aps verifies with the credentials from the provider', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-tok' };
    receiver.authenticate = (req, body) => {
      if (req.headers['x-amz-security-token'] !== 'session-tok') return 'session token missing';
      return verifySigV4(req, body, credentials.secretAccessKey, { accessKeyId: 'AKIDEXAMPLE', region: 'eu-central-1', service: 'aps' });
    };
    const signer = await createSigV4Signer({ region: 'eu-central-1', credentials: async () => credentials });
    const url = receiver.url.replace('/api/v1/write', '/workspaces/ws-1234/api/v1/remote_write');
    const transport = new HttpTransport({ url, userAgent: 'test', signer });
    const response = await transport.post(BODY);
    expect(response.body).toBe('');
    expect(response.status).toBe(204);
    // A wrong secret on the receiver side proves the check can fail.
    receiver.authenticate = (req, body) => verifySigV4(req, body, 'another-secret', { accessKeyId: 'AKIDEXAMPLE', region: 'eu-central-1', service: 'aps' });
    expect((await transport.post(BODY)).status).toBe(403);
    await transport.close();
  });
});
