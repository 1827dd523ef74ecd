/**
 * How the sidecar finds its own container: from its own metadata document (read by the one metadata
 * reader), else from the task container whose docker labels point at this exporter's port and path.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { CapturingLogger } from './helpers';
import { SelfIdentity } from '../../src/active/self-identity';
import type { TaskMetadata } from '../../src/metadata/types';

/** Serves `body` with `status` on every path; closed after the test. */
async function ownDocument(status: number, body: unknown) {
  const server = http.createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const PORT = 8014;
const PATH = '/container-stats/actuator/prometheus';

const task: TaskMetadata = {
  Containers: [
    { Name: 'app', DockerId: 'id-app', Labels: { PROMETHEUS_EXPORTER_PORT: '9100', PROMETHEUS_EXPORTER_PATH: '/metrics' }, Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.2.106'] }] },
    { Name: 'exporter', DockerId: 'id-exporter', Labels: { PROMETHEUS_EXPORTER_PORT: String(PORT), PROMETHEUS_EXPORTER_PATH: PATH }, Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.2.106'] }] },
  ],
};

async function identityFrom(status: number, body: unknown) {
  const server = await ownDocument(status, body);
  const logger = new CapturingLogger();
  const identity = new SelfIdentity({ metadataUri: server.uri, port: PORT, metricsPath: PATH, logger });
  try {
    await identity.resolve();
  } finally {
    await server.close();
  }
  return { identity, logger };
}

test('without its own document the sidecar is the container whose docker labels name its port and path, with one warning', async () => {
  const { identity, logger } = await identityFrom(500, {});
  expect(identity.in(task)).toEqual({ name: 'exporter', dockerId: 'id-exporter', instance: `10.0.2.106:${PORT}` });
  expect(identity.in(task)).toEqual({ name: 'exporter', dockerId: 'id-exporter', instance: `10.0.2.106:${PORT}` });
  expect(logger.atLevel('warn')).toHaveLength(1);
  expect(logger.atLevel('warn')[0].message).toContain('identified by its docker labels');
});

test('without its own document nor matching docker labels the sidecar has no name but keeps the task address', async () => {
  const { identity, logger } = await identityFrom(404, {});
  const other: TaskMetadata = { Containers: [task.Containers![0]] };
  expect(identity.in(other)).toEqual({ name: undefined, dockerId: undefined, instance: `10.0.2.106:${PORT}` });
  expect(logger.atLevel('warn').map((r) => r.message)).toEqual([expect.stringContaining('cannot identify the sidecar')]);
});

test('the own document is read like a task container: fields of the wrong type are left out, not the document', async () => {
  const { identity, logger } = await identityFrom(200, {
    Name: 'exporter',
    DockerId: 12345,
    Networks: [{ NetworkMode: 'bridge', IPv4Addresses: [17, '172.17.0.9'] }],
  });
  expect(identity.in(task)).toEqual({ name: 'exporter', dockerId: undefined, instance: `172.17.0.9:${PORT}` });
  expect(logger.atLevel('warn')).toHaveLength(0);
});

test('an own document without a Name falls back to the docker labels', async () => {
  const { identity } = await identityFrom(200, { Name: 7, DockerId: 'id-other' });
  expect(identity.in(task).name).toBe('exporter');
});
