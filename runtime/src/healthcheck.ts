/**
 * Container health check (`node /app/lib/healthcheck.js`): exits 0 when the exporter's `/health`
 * answers 200 within 2 s, else 1. Reads only the listen port (same default as the config) so it
 * has no dependencies and cannot fail on an unrelated variable.
 */
import { request } from 'node:http';

const TIMEOUT_MS = 2000;
const portText = process.env.httpListenPort?.trim() || '8014';
const port = Number(portText);

if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`httpListenPort must be an integer between 1 and 65535, got ${JSON.stringify(portText)}\n`);
  process.exit(1);
}

const req = request({ host: '127.0.0.1', port, path: '/health', method: 'GET', timeout: TIMEOUT_MS }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => {
  req.destroy();
  process.exit(1);
});
req.on('error', () => process.exit(1));
req.end();
