/**
 * The AWS enrichment child sees only what the AWS SDK needs, and runs with the exporter's memory
 * flags: read from `/proc/<pid>/environ` and `/proc/<pid>/cmdline` of the real worker while it waits
 * on a slow AWS endpoint.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { enrichmentWorker } from './helpers';
import { EnrichmentProcess, type EnrichmentProcessOptions } from '../../src/active/aws/enrichment-process';
import { until } from '../helpers';

/** Children of this process whose command line mentions `marker`. */
function childPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return pids;
}

/** Runs `inspect` on the pid of a real enrichment child that waits on an AWS endpoint that never answers. */
async function withWaitingChild(options: Omit<EnrichmentProcessOptions, 'endpoint' | 'workerPath' | 'timeoutMs'>, inspect: (pid: number) => void): Promise<void> {
  const slow = http.createServer(() => {});
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const child = new EnrichmentProcess({ ...options, endpoint: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, workerPath: enrichmentWorker(), timeoutMs: 20_000 });
  const outcome = child.run({ Cluster: 'sim-cluster', TaskARN: 'arn:aws:ecs:us-west-2:111122223333:task/sim-cluster/0f1e2d3c' });
  try {
    let pid: number | undefined;
    await until('the enrichment child', () => (pid = childPids('aws-enrichment-worker')[0]) !== undefined, 10_000);
    inspect(pid!);
  } finally {
    child.stop();
    await outcome;
    slow.closeAllConnections();
    await new Promise((r) => slow.close(r));
  }
}

test('the enrichment child gets the AWS, proxy and Node variables, never the exporter\'s passwords or tokens', async () => {
  const env = {
    PATH: process.env.PATH,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/0f1e2d3c',
    AWS_REGION: 'us-west-2',
    AWS_ACCESS_KEY_ID: 'AKIDCHILDENV',
    AWS_SECRET_ACCESS_KEY: 'aws-secret-for-the-sdk',
    HTTPS_PROXY: 'http://proxy.internal:3128',
    NO_PROXY: '169.254.170.2',
    NODE_PATH: '/app/node_modules',
    ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/abc',
    remoteWrite_url: 'https://prometheus.example/api/v1/write',
    remoteWrite_basicAuth_username: 'tenant',
    remoteWrite_basicAuth_password: 'rw-basic-password',
    remoteWrite_bearerToken: 'rw-bearer-token',
    httpAuth_username: 'scraper',
    httpAuth_password: 'http-auth-password',
    SOME_OTHER_SETTING: 'not needed',
  };
  await withWaitingChild({ env }, (pid) => {
    const seen = Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    expect(seen).toEqual({
      PATH: env.PATH,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
      AWS_REGION: 'us-west-2',
      AWS_ACCESS_KEY_ID: 'AKIDCHILDENV',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-for-the-sdk',
      HTTPS_PROXY: env.HTTPS_PROXY,
      NO_PROXY: env.NO_PROXY,
      NODE_PATH: env.NODE_PATH,
      ECS_CONTAINER_METADATA_URI_V4: env.ECS_CONTAINER_METADATA_URI_V4,
      // Added by fork() for the IPC channel.
      NODE_CHANNEL_FD: expect.any(String),
      NODE_CHANNEL_SERIALIZATION_MODE: 'json',
    });
  });
});

test('the enrichment child runs with the exporter\'s memory flags and none of its others', async () => {
  const exporterFlags = ['--inspect=0', '--max-semi-space-size=2', '--no-opt', '--require', '/tmp/probe.js', '--no-maglev', '--cpu-prof', '--max-old-space-size', '96', '--max-old-space-size=128'];
  await withWaitingChild({ env: { PATH: process.env.PATH }, execArgv: exporterFlags }, (pid) => {
    const [node, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(node).toBe(process.execPath);
    expect(args).toEqual(['--max-semi-space-size=2', '--no-opt', '--no-maglev', '--max-old-space-size=128', enrichmentWorker()]);
  });
});
