// Unit tests of the benchmark's own measuring parts: run with `node --test "bench/test/*.test.mjs"`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { evaluateBudgets } from '../lib/budgets.mjs';
import { imageNodeArgs } from '../lib/image-command.mjs';
import { readQueueState } from '../lib/outage.mjs';
import { parseCpuMsFromStat, parseSchedstatNs, parseStatusFieldMiB, readCpuMs, readMemoryMiB } from '../lib/proc-stats.mjs';
import { countExpositionSamples, hasContainerMetrics } from '../lib/scenarios.mjs';
import { stageRunCommands } from '../lib/shipped-size.mjs';
import { quantile } from '../lib/statistics.mjs';

test('CPU time is read from utime+stime even when the command name has spaces and parentheses', () => {
  // Fields after the comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11';
  assert.equal(parseCpuMsFromStat(stat, 100), 3000);
});

test('an unparsable stat line is an error, not zero CPU', () => {
  assert.throws(() => parseCpuMsFromStat('garbage', 100), /cannot parse utime\/stime/);
});

test('schedstat gives on-CPU nanoseconds (its first field)', () => {
  assert.equal(parseSchedstatNs('1234567890 5000 42\n'), 1234567890);
  assert.throws(() => parseSchedstatNs('x y z'), /cannot parse schedstat/);
});

test('VmRSS in kB becomes MiB', () => {
  assert.equal(parseStatusFieldMiB('Name:\tnode\nVmHWM:\t  4096 kB\nVmRSS:\t  2048 kB\n', 'VmRSS'), 2);
  assert.throws(() => parseStatusFieldMiB('Name:\tnode\n', 'VmRSS'), /no VmRSS line/);
});

test('the bench can read its own process counters from /proc', () => {
  let spin = 0;
  const until = Date.now() + 60;
  while (Date.now() < until) spin += 1;
  assert.ok(spin > 0);
  assert.ok(readCpuMs(process.pid) > 0);
  const memory = readMemoryMiB(process.pid);
  assert.ok(memory.rssMiB > 5 && memory.peakRssMiB >= memory.rssMiB);
});

test('quantiles use the nearest rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(values, 0.5), 50);
  assert.equal(quantile(values, 0.99), 99);
  assert.equal(quantile([7], 0.99), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('a scrape counts as successful only with container series in it', () => {
  assert.equal(hasContainerMetrics('# HELP x\nprocess_cpu_seconds_total 1\n'), false);
  assert.equal(hasContainerMetrics('# TYPE container_cpu_usage_seconds_total counter\ncontainer_cpu_usage_seconds_total{container="app"} 1\n'), true);
  assert.equal(countExpositionSamples('# HELP a\n# TYPE a gauge\na 1\na{x="y"} 2\n\n'), 2);
});

test('queue depth, capacity and drops are read from the exporter self-metrics', () => {
  const body = [
    '# TYPE ecs_exporter_remote_write_queue_samples gauge',
    'ecs_exporter_remote_write_queue_samples 1200',
    'ecs_exporter_remote_write_queue_capacity_samples 5000',
    'ecs_exporter_remote_write_samples_dropped_total 3',
    'container_cpu_usage_seconds_total{container="a"} 5',
  ].join('\n');
  assert.deepEqual(readQueueState(body, 'ecs_exporter_remote_write_'), { pending: 1200, capacity: 5000, dropped: 3, outOfOrder: undefined });
});

test('budgets: worst value decides, missing scenarios are n/a rather than a pass', () => {
  const results = {
    scenarios: [
      { mode: 'passive', containers: 10, steadyRssMiB: 58, cpuMsPerDataPoint: 5, firstScrapeMs: 100, mixedScrapeP99Ms: 1 },
      { mode: 'passive', containers: 50, steadyRssMiB: 70, cpuMsPerDataPoint: 5, firstScrapeMs: 120, mixedScrapeP99Ms: 6 },
    ],
    shippedSize: { method: 'test', totalBytes: 10 * 1024 * 1024 },
  };
  const byId = Object.fromEntries(evaluateBudgets(results).map((b) => [b.id, b]));
  assert.equal(byId['passive-steady-rss-10'].verdict, 'PASS');
  assert.equal(byId['passive-steady-rss-50'].verdict, 'MISS');
  assert.equal(byId['passive-steady-rss-50'].worst.value, 70);
  assert.equal(byId['p99-scrape-latency-50'].verdict, 'MISS');
  assert.match(byId['p99-scrape-latency-50'].worst.where, /collections running/);
  assert.equal(byId['cpu-per-data-point-10'].verdict, 'MISS');
  assert.equal(byId['cpu-per-data-point-50'].verdict, 'PASS');
  assert.equal(byId['cpu-per-data-point-200'].verdict, 'n/a');
  assert.equal(byId['first-scrape'].verdict, 'PASS');
  assert.equal(byId['shipped-size'].verdict, 'PASS');
  assert.equal(byId['active-full-queue-rss'].verdict, 'n/a');
});

test('the benchmark starts node with the V8 flags of the image\'s CMD', () => {
  const dockerfile = ['FROM node:24', 'HEALTHCHECK CMD ["node", "/app/lib/healthcheck.js"]', 'CMD ["node", "--max-semi-space-size=1", "/app/lib/main.js"]'].join('\n');
  assert.deepEqual(imageNodeArgs(dockerfile), ['--max-semi-space-size=1']);
  assert.deepEqual(imageNodeArgs('CMD ["node", "/app/lib/main.js"]'), []);
  assert.throws(() => imageNodeArgs('CMD ["sh", "-c", "x"]'), /not node/);
  assert.deepEqual(imageNodeArgs(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')).every((arg) => arg.startsWith('--')), true);
});

test('the RUN commands of the Dockerfile stage the image copies node_modules from are found, continuation lines joined', () => {
  const dockerfile = [
    'FROM node:24 AS build',
    'RUN npm ci',
    'FROM node:24 AS deps',
    'COPY package.json ./',
    'RUN npm ci --omit=dev \\',
    ' && find node_modules -name "*.map" -delete',
    'FROM node:24',
    'RUN echo final',
  ].join('\n');
  assert.deepEqual(stageRunCommands(dockerfile, 'deps'), ['npm ci --omit=dev   && find node_modules -name "*.map" -delete']);
  assert.throws(() => stageRunCommands(dockerfile, 'prune'), /no RUN command in a stage named "prune"/);
});
