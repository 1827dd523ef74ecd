/**
 * Container health check (`node /app/lib/healthcheck.js`): exits 0 when the exporter's `/health`
 * answers 200 within 2 s, else 1. Reads only the listen port, through the same contract as the
 * exporter, so it cannot fail on an unrelated variable.
 */
import { request } from 'node:http';
import { HEALTH_PATH, parseVariable } from './environment-contract.generated';

const TIMEOUT_MS = 2000;
const port = parseVariable('httpListenPort', process.env.httpListenPort);

if ('problem' in port) {
  process.stderr.write(`${port.problem}\n`);
  process.exit(1);
}

const req = request({ host: '127.0.0.1', port: port.value, path: HEALTH_PATH, method: 'GET', timeout: TIMEOUT_MS }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => {
  req.destroy();
  process.exit(1);
});
req.on('error', () => process.exit(1));
req.end();
