// The benchmark's I/O parts against real local servers and processes: run with `node --test "bench/test/*.test.mjs"`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, startExporter, waitForFirstScrape } from '../lib/exporter-process.mjs';
import { encodeWriteRequest, startRemoteWriteReceiver } from '../lib/remote-write-receiver.mjs';
import { scrapeAtFixedRate } from '../lib/scrape-driver.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'bench-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const REMOTE_WRITE_HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
};

function staleNaN() {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, 0x7ff00000);
  view.setUint32(4, 0x00000002);
  return view.getFloat64(0);
}

test('the receiver counts decoded samples, stale markers and wire bytes', async () => {
  const receiver = await startRemoteWriteReceiver();
  try {
    const body = encodeWriteRequest([
      { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }], samples: [{ value: 1, timestamp: 1000 }, { value: staleNaN(), timestamp: 2000 }] },
      { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'b' }], samples: [{ value: Number.NaN, timestamp: 1000 }] },
    ]);
    const response = await fetch(receiver.url, { method: 'POST', body, headers: REMOTE_WRITE_HEADERS });
    assert.equal(response.status, 204);
    const counters = receiver.snapshot();
    assert.equal(counters.samples, 3);
    assert.equal(counters.staleMarkers, 1, 'a plain NaN is not a stale marker');
    assert.equal(counters.distinctSeries, 2);
    assert.equal(counters.wireBytes, body.length);
    assert.ok(counters.uncompressedBytes > 0);
  } finally {
    await receiver.close();
  }
});

test('the receiver refuses a body without the remote-write headers or framing', async () => {
  const receiver = await startRemoteWriteReceiver();
  try {
    const body = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1 }] }]);
    const noHeaders = await fetch(receiver.url, { method: 'POST', body });
    assert.equal(noHeaders.status, 400);
    const notSnappy = await fetch(receiver.url, { method: 'POST', body: Buffer.from('plain text'), headers: REMOTE_WRITE_HEADERS });
    assert.equal(notSnappy.status, 400);
    const counters = receiver.snapshot();
    assert.equal(counters.invalidRequests, 2);
    assert.equal(counters.samples, 0);
    assert.match(counters.lastError, /snappy/);
  } finally {
    await receiver.close();
  }
});

test('during a simulated outage the receiver answers 503 and counts nothing as received', async () => {
  const receiver = await startRemoteWriteReceiver();
  try {
    receiver.setOutage(true);
    const body = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1 }] }]);
    const response = await fetch(receiver.url, { method: 'POST', body, headers: REMOTE_WRITE_HEADERS });
    assert.equal(response.status, 503);
    assert.equal(receiver.snapshot().samples, 0);
    assert.equal(receiver.snapshot().rejectedRequests, 1);
  } finally {
    await receiver.close();
  }
});

test('an exporter that never answers fails the benchmark with its output, instead of yielding numbers', async () => {
  const silent = join(scratch, 'silent.js');
  writeFileSync(silent, "console.log('started but never listening'); setInterval(() => {}, 1000);\n");
  const exporter = startExporter({ mainJs: silent, env: {} });
  try {
    await assert.rejects(
      // 3 s: long enough for the child to have printed its line even on a loaded machine.
      waitForFirstScrape(exporter, { url: `http://127.0.0.1:${await freePort()}/metrics`, isComplete: () => true, timeoutMs: 3_000 }),
      /no successful scrape .* within 3000 ms[\s\S]*started but never listening/,
    );
  } finally {
    await exporter.stop();
  }
});

test('an exporter that dies at start is reported with its exit code', async () => {
  const crashing = join(scratch, 'crash.js');
  writeFileSync(crashing, "console.error('httpListenPort must be an integer'); process.exit(1);\n");
  const exporter = startExporter({ mainJs: crashing, env: {} });
  await assert.rejects(
    waitForFirstScrape(exporter, { url: `http://127.0.0.1:${await freePort()}/metrics`, isComplete: () => true, timeoutMs: 5_000 }),
    /exited \(code 1[\s\S]*httpListenPort must be an integer/,
  );
});

test('fixed-rate scraping records one latency per scrape and fails on a non-200 answer', async () => {
  let status = 200;
  const server = createServer((request, response) => response.writeHead(status).end('container_cpu_usage_seconds_total{container="a"} 1\n'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    const startedAt = performance.now();
    const run = await scrapeAtFixedRate({ origin, path: '/metrics', count: 10, ratePerSecond: 100 });
    assert.equal(run.latenciesMs.length, 10);
    assert.ok(performance.now() - startedAt >= 85, 'ten scrapes at 100/s take about 90 ms');
    assert.match(run.lastBodyText, /container_cpu_usage_seconds_total/);
    status = 500;
    await assert.rejects(scrapeAtFixedRate({ origin, path: '/metrics', count: 3, ratePerSecond: 100 }), /scrape 1\/3 .* HTTP 500/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
