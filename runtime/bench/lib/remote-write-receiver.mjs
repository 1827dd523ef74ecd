/**
 * A Prometheus Remote-Write 1.0 receiver that only counts: decoded samples, series, stale markers
 * and the body bytes as they crossed the wire. It is written independently of the exporter's
 * encoder (own .proto, own snappy call), so a count here is also a check of the sender's framing.
 *
 * `setOutage(true)` answers every request with 503, the status a sender must retry: the exporter's
 * queue then fills up exactly as it would while the real TSDB is down.
 */
import { createServer } from 'node:http';
import protobuf from 'protobufjs';
import snappy from 'snappyjs';

const REMOTE_WRITE_PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

const WriteRequest = protobuf.parse(REMOTE_WRITE_PROTO).root.lookupType('prometheus.WriteRequest');

/** The exact bit pattern Prometheus uses for a staleness marker (value.StaleNaN). */
const STALE_NAN_BITS_HIGH = 0x7ff00000;
const STALE_NAN_BITS_LOW = 0x00000002;

export function isStaleMarker(value) {
  if (!Number.isNaN(value)) return false;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getUint32(0) === STALE_NAN_BITS_HIGH && view.getUint32(4) === STALE_NAN_BITS_LOW;
}

/** Encodes a WriteRequest the way a sender must (used by the bench's own tests). */
export function encodeWriteRequest(timeseries) {
  const message = WriteRequest.fromObject({ timeseries });
  return Buffer.from(snappy.compress(WriteRequest.encode(message).finish()));
}

/**
 * Decodes one request body and returns what it carried; throws with the reason when the body
 * is not a snappy-block-compressed WriteRequest.
 */
export function decodeWriteRequest(body) {
  let raw;
  try {
    raw = snappy.uncompress(body);
  } catch (error) {
    throw new Error(`body is not snappy block format: ${error.message}`);
  }
  const request = WriteRequest.decode(raw);
  let samples = 0;
  let staleMarkers = 0;
  const seriesKeys = [];
  for (const series of request.timeseries) {
    const labels = series.labels.map((label) => `${label.name}=${label.value}`);
    if (!series.labels.some((label) => label.name === '__name__')) {
      throw new Error(`series without __name__: {${labels.join(',')}}`);
    }
    seriesKeys.push(labels.join(','));
    samples += series.samples.length;
    for (const sample of series.samples) if (isStaleMarker(sample.value)) staleMarkers += 1;
  }
  return { uncompressedBytes: raw.length, series: request.timeseries.length, samples, staleMarkers, seriesKeys };
}

function emptyCounters() {
  return {
    requests: 0,
    acceptedRequests: 0,
    rejectedRequests: 0,
    invalidRequests: 0,
    samples: 0,
    staleMarkers: 0,
    seriesInRequests: 0,
    wireBytes: 0,
    uncompressedBytes: 0,
    firstAcceptedAtMs: undefined,
    lastAcceptedAtMs: undefined,
    lastError: undefined,
  };
}

/** Starts the receiver on 127.0.0.1 with a free port. */
export async function startRemoteWriteReceiver({ clock = () => performance.timeOrigin + performance.now() } = {}) {
  let counters = emptyCounters();
  const distinctSeries = new Set();
  let outage = false;

  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      counters.requests += 1;
      const body = Buffer.concat(chunks);
      if (outage) {
        counters.rejectedRequests += 1;
        response.writeHead(503).end('bench receiver: simulated outage\n');
        return;
      }
      const headerProblem = checkHeaders(request);
      if (request.method !== 'POST' || headerProblem) {
        counters.invalidRequests += 1;
        counters.lastError = headerProblem ?? `method ${request.method}`;
        response.writeHead(400).end(`${counters.lastError}\n`);
        return;
      }
      let decoded;
      try {
        decoded = decodeWriteRequest(body);
      } catch (error) {
        counters.invalidRequests += 1;
        counters.lastError = error.message;
        response.writeHead(400).end(`${error.message}\n`);
        return;
      }
      const now = clock();
      counters.acceptedRequests += 1;
      counters.samples += decoded.samples;
      counters.staleMarkers += decoded.staleMarkers;
      counters.seriesInRequests += decoded.series;
      counters.wireBytes += body.length;
      counters.uncompressedBytes += decoded.uncompressedBytes;
      counters.firstAcceptedAtMs ??= now;
      counters.lastAcceptedAtMs = now;
      for (const key of decoded.seriesKeys) distinctSeries.add(key);
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    setOutage(on) {
      outage = on;
    },
    snapshot() {
      return { ...counters, distinctSeries: distinctSeries.size, outage };
    },
    reset() {
      counters = emptyCounters();
      distinctSeries.clear();
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The headers Remote-Write 1.0 requires; a sender without them is broken, not slow. */
function checkHeaders(request) {
  if (request.headers['content-encoding'] !== 'snappy') return `Content-Encoding is "${request.headers['content-encoding']}", want snappy`;
  if (request.headers['content-type'] !== 'application/x-protobuf') return `Content-Type is "${request.headers['content-type']}", want application/x-protobuf`;
  if (!request.headers['x-prometheus-remote-write-version']) return 'X-Prometheus-Remote-Write-Version header missing';
  return undefined;
}
