/**
 * The built exporter (`lib/main.js`) as its own child process: the process the benchmark measures.
 * It is started with `node` directly (no npm/npx wrapper) so /proc/<pid> is the exporter itself.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { request } from 'undici';
import { readCpuMs } from './proc-stats.mjs';

/** Asks the kernel for a free loopback port (closed again before the exporter binds it). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const LOG_LINES_KEPT = 40;

/**
 * Starts `node <mainJs>` with exactly the given environment (plus PATH/HOME so Node runs).
 * Returns a handle with the pid, the spawn instant, the last log lines and stop().
 */
export function startExporter({ mainJs, env, nodeArgs = [] }) {
  const spawnedAtMs = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, mainJs], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logLines = [];
  const keep = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      logLines.push(line);
      if (logLines.length > LOG_LINES_KEPT) logLines.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exit;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  return {
    pid: child.pid,
    spawnedAtMs,
    get exit() {
      return exit;
    },
    logTail: () => logLines.slice(),
    /** Throws with the exporter's last log lines when it has died. */
    assertAlive(what) {
      if (exit) {
        throw new Error(`exporter exited (code ${exit.code}, signal ${exit.signal}) during ${what}; last output:\n${logLines.join('\n')}`);
      }
    },
    async stop() {
      if (exit) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/**
 * Polls the metrics endpoint from the moment of spawn until an answer is 200 AND carries
 * container metrics (an empty exposition does not count as a successful scrape).
 * Returns milliseconds from spawn to the end of that response, and the CPU the exporter had used by
 * then (a figure a loaded machine inflates much less than the wall-clock one).
 */
export async function waitForFirstScrape(exporter, { url, isComplete, timeoutMs, pollEveryMs = 5 }) {
  const deadline = exporter.spawnedAtMs + timeoutMs;
  let lastProblem = 'no answer yet';
  while (performance.now() < deadline) {
    exporter.assertAlive('start-up');
    try {
      // A fresh connection per attempt: before the exporter listens these fail fast with ECONNREFUSED.
      const response = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000, reset: true });
      const body = await response.body.text();
      if (response.statusCode === 200 && isComplete(body)) {
        return { wallMs: performance.now() - exporter.spawnedAtMs, cpuMs: readCpuMs(exporter.pid) };
      }
      lastProblem = `HTTP ${response.statusCode}, ${body.length} bytes${response.statusCode === 200 ? ' without container metrics' : ''}`;
    } catch (error) {
      lastProblem = error.code ?? error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, pollEveryMs));
  }
  throw new Error(`exporter gave no successful scrape at ${url} within ${timeoutMs} ms (last: ${lastProblem}); last output:\n${exporter.logTail().join('\n')}`);
}
