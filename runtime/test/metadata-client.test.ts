import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetadataClient, MetadataError, type AttemptObservation } from '../src/metadata/client';

/** A tiny endpoint whose answers the test scripts, one per request. */
async function scriptedEndpoint(answers: ((res: import('node:http').ServerResponse) => void)[]): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    const answer = answers[Math.min(hits, answers.length - 1)];
    hits++;
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits: () => hits };
}

const status = (code: number, body = '{}') => (res: import('node:http').ServerResponse) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(body);

async function failureOf(promise: Promise<unknown>): Promise<MetadataError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MetadataError);
    return error as MetadataError;
  }
  throw new Error('expected a MetadataError');
}

describe('metadata client', () => {
  const observations: AttemptObservation[] = [];
  const sleeps: number[] = [];
  let random = () => 0.5;
  let endpoint: Awaited<ReturnType<typeof scriptedEndpoint>> | undefined;
  let client: MetadataClient | undefined;

  const clientFor = (url: string, timeoutMs = 2000) => {
    client = new MetadataClient({ baseUrl: url + '/', timeoutMs, random: () => random(), clock: { sleep: async (ms) => void sleeps.push(ms) }, onAttempt: (o) => observations.push(o) });
    return client;
  };

  beforeEach(() => {
    observations.length = 0;
    sleeps.length = 0;
    random = () => 0.5;
  });
  afterEach(async () => {
    await client?.close();
    if (endpoint) await new Promise((resolve) => endpoint!.server.close(resolve));
    endpoint = undefined;
  });

  test('retries 5xx with exponential backoff, then succeeds', async () => {
    endpoint = await scriptedEndpoint([status(500), status(503), status(200, '{"Cluster":"c"}')]);
    await expect(clientFor(endpoint.url).fetchTask()).resolves.toEqual({ Cluster: 'c' });
    // Half of each exponential step (250 ms, then 500 ms) with the random source pinned at 0.5.
    expect(sleeps).toEqual([125, 250]);
    expect(observations.map((o) => [o.endpoint, o.outcome, o.statusCode])).toEqual([['task', 'http_error', 500], ['task', 'http_error', 503], ['task', 'success', 200]]);
  });

  test('retry delays are jittered within the exponential step, so sidecars started together do not retry together', async () => {
    const draws = [0, 0.999, 0.25, 0.75];
    random = () => draws.shift()!;
    endpoint = await scriptedEndpoint([status(500)]);
    await failureOf(clientFor(endpoint.url).fetchTask());
    await failureOf(client!.fetchTask());
    expect(sleeps).toEqual([0, 0.999 * 500, 0.25 * 250, 0.75 * 500]);
  });

  test('gives up after 3 attempts with an error naming the path, the status and the attempts', async () => {
    endpoint = await scriptedEndpoint([status(500)]);
    const error = await failureOf(clientFor(endpoint.url).fetchTaskStats());
    expect(error.message).toBe('metadata /task/stats: HTTP 500 after 3 attempts');
    expect(endpoint.hits()).toBe(3);
  });

  test('does not retry other 4xx', async () => {
    endpoint = await scriptedEndpoint([status(404)]);
    const error = await failureOf(clientFor(endpoint.url).fetchTask());
    expect(error.message).toBe('metadata /task: HTTP 404 after 1 attempt');
    expect(endpoint.hits()).toBe(1);
  });

  test('a body that is not a JSON object is an invalid_body attempt', async () => {
    endpoint = await scriptedEndpoint([status(200, '[1,2]'), status(200, 'nope'), status(200, 'null')]);
    const error = await failureOf(clientFor(endpoint.url).fetchTask());
    expect(error.outcome).toBe('invalid_body');
    expect(observations.map((o) => o.outcome)).toEqual(['invalid_body', 'invalid_body', 'invalid_body']);
  });

  test('a /task answer that repeats the last one apart from ClockDrift gives the last object again; any other change, and /task/stats, are parsed', async () => {
    const task = (bound: string, revision = '7') => `{"Revision":"${revision}","ClockDrift":{"ClockErrorBound":${bound}},"Containers":[{"Name":"web"}]}`;
    endpoint = await scriptedEndpoint([status(200, task('0.4')), status(200, task('0.5871')), status(200, task('0.5871', '8')), status(200, '{"a":1}'), status(200, '{"a":1}')]);
    const first = await clientFor(endpoint.url).fetchTask();
    expect(first).toEqual({ Revision: '7', ClockDrift: { ClockErrorBound: 0.4 }, Containers: [{ Name: 'web' }] });
    expect(await client!.fetchTask()).toBe(first);
    const changed = await client!.fetchTask();
    expect(changed).not.toBe(first);
    expect(changed).toMatchObject({ Revision: '8', ClockDrift: { ClockErrorBound: 0.5871 } });
    // The stats reader checks its document in place, so each one is a new object.
    const stats = await client!.fetchTaskStats();
    expect(await client!.fetchTaskStats()).not.toBe(stats);
    expect(observations.map((o) => [o.endpoint, o.outcome])).toEqual([['task', 'success'], ['task', 'success'], ['task', 'success'], ['task_stats', 'success'], ['task_stats', 'success']]);
  });

  test('a repeated /task answer whose ClockDrift is not JSON is an invalid_body attempt', async () => {
    endpoint = await scriptedEndpoint([status(200, '{"ClockDrift":{"ClockErrorBound":0.4},"Family":"web"}'), status(200, '{"ClockDrift":{"ClockErrorBound":},"Family":"web"}')]);
    await clientFor(endpoint.url).fetchTask();
    const error = await failureOf(client!.fetchTask());
    expect(error.outcome).toBe('invalid_body');
  });

  test('an endpoint that never answers times out per attempt', async () => {
    endpoint = await scriptedEndpoint([() => undefined]);
    const started = Date.now();
    const error = await failureOf(clientFor(endpoint.url, 150).fetchTask());
    expect(error.message).toBe('metadata /task: timed out after 150 ms after 3 attempts');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(observations.every((o) => o.outcome === 'timeout' && o.durationSeconds >= 0.1)).toBe(true);
  });

  test('a refused connection is a network_error', async () => {
    endpoint = await scriptedEndpoint([status(200)]);
    const url = endpoint.url;
    await new Promise((resolve) => endpoint!.server.close(resolve));
    endpoint = undefined;
    const error = await failureOf(clientFor(url).fetchTask());
    expect(error.outcome).toBe('network_error');
    expect(error.message).toMatch(/^metadata \/task: request failed \(.*ECONNREFUSED.*\) after 3 attempts$/);
  });
});
