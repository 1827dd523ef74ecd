/**
 * The exporter started with the image's V8 flags (runtime/Dockerfile CMD) plus `--trace-opt`, which
 * makes V8 print each function it compiles: a large task gets its code compiled by Maglev, on the
 * main thread, after the exporter turns the compiler on; a small task gets none compiled.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledEntry, freePort, until } from './helpers';
import { startSimulatedTask } from '../src/simulator';

const MAIN = bundledEntry('main');
const TURNED_ON = 'optimizing compiler turned on for a large task';
const MAGLEV_COMPILE = /\[compiling method .* \(target MAGLEV\), mode: ConcurrencyMode::kSynchronous\]/;

/** The node arguments between `node` and the entry point of the Dockerfile's CMD. */
function imageNodeArgs(): string[] {
  const cmd = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8').split('\n').filter((line) => line.startsWith('CMD ['));
  const argv = JSON.parse(cmd[cmd.length - 1].slice('CMD '.length)) as string[];
  return argv.slice(1, -1);
}

/** Runs the exporter against a simulated task for `ms`, then stops it; returns its stdout (logs and V8's trace). */
async function run(containers: number, ms: number): Promise<string> {
  const task = await startSimulatedTask({ shape: 'fargate-v1', containers });
  const port = await freePort();
  const child = spawn(process.execPath, [...imageNodeArgs(), '--trace-opt', MAIN], {
    env: { PATH: process.env.PATH ?? '', ECS_CONTAINER_METADATA_URI_V4: task.metadataUri, httpListenPort: String(port), collectInterval: '100ms' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  try {
    await until(() => `the exporter's start, got: ${stdout}`, () => stdout.includes('"exporter started"'), 10_000);
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited; // V8 writes its trace through C stdio, flushed at exit
    await task.stop();
  }
  return stdout;
}

test('the image starts without Maglev and leaves compiling to the exporter', () => {
  expect(imageNodeArgs()).toEqual(expect.arrayContaining(['--no-opt', '--no-maglev', '--no-concurrent-recompilation']));
});

test('a large task: Maglev turned on at the first collection and compiling on the main thread', async () => {
  const stdout = await run(40, 4_000);
  expect(stdout).toContain(TURNED_ON);
  expect(stdout).toMatch(MAGLEV_COMPILE);
  expect(stdout).not.toMatch(/\(target (TURBOFAN|MAGLEV)\), mode: ConcurrencyMode::kConcurrent\]/);
}, 30_000);

test('a small task: nothing compiled', async () => {
  const stdout = await run(2, 4_000);
  expect(stdout).toContain('"exporter started"');
  expect(stdout).not.toContain(TURNED_ON);
  expect(stdout).not.toMatch(/target (MAGLEV|TURBOFAN)/);
}, 30_000);
