/**
 * Scrapes the exporter at a fixed rate over one keep-alive connection, like a Prometheus server
 * does, and records each scrape's latency (request sent to last body byte received).
 */
import { gunzipSync } from 'node:zlib';
import { Client } from 'undici';

/** What Prometheus sends: it asks for gzip on every scrape. */
export const PROMETHEUS_HEADERS = { accept: 'text/plain;version=0.0.4', 'accept-encoding': 'gzip' };

/**
 * Runs `count` scrapes, one every 1000/ratePerSecond ms on a fixed schedule (a slow scrape does
 * not shift the later ones). Any non-200 answer or transport error fails the run: a benchmark of
 * an exporter that does not answer must not report numbers.
 */
export async function scrapeAtFixedRate({ origin, path, count, ratePerSecond, headers = {}, assertAlive = () => {} }) {
  const client = new Client(origin, { keepAliveTimeout: 60_000, pipelining: 1 });
  const periodMs = 1000 / ratePerSecond;
  const latenciesMs = [];
  let lastBody;
  let lastEncoding;
  let lateStarts = 0;
  const startedAtMs = performance.now();
  try {
    for (let i = 0; i < count; i += 1) {
      const dueAtMs = startedAtMs + i * periodMs;
      const waitMs = dueAtMs - performance.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      else if (i > 0 && waitMs < -periodMs) lateStarts += 1;
      assertAlive('scraping');
      const sentAtMs = performance.now();
      const response = await client.request({ path, method: 'GET', headers: { ...PROMETHEUS_HEADERS, ...headers } });
      const body = await response.body.arrayBuffer();
      const latencyMs = performance.now() - sentAtMs;
      if (response.statusCode !== 200) {
        throw new Error(`scrape ${i + 1}/${count} of ${origin}${path} answered HTTP ${response.statusCode}: ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
      }
      latenciesMs.push(latencyMs);
      lastBody = body;
      lastEncoding = response.headers['content-encoding'];
    }
  } finally {
    await client.close();
  }
  return {
    latenciesMs,
    /** Bytes on the wire (compressed when the exporter answered gzip). */
    lastBodyBytes: lastBody?.byteLength ?? 0,
    lastEncoding,
    lastBodyText: lastBody ? (lastEncoding === 'gzip' ? gunzipSync(Buffer.from(lastBody)) : Buffer.from(lastBody)).toString('utf8') : '',
    lateStarts,
    durationMs: performance.now() - startedAtMs,
  };
}
