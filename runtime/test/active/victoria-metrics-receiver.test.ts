/**
 * VictoriaMetrics 1.79 as a second real receiver of Active mode: the sidecar's series arrive with
 * their target labels, scraped series too, and a stopped container's staleness markers end its series
 * there as they do in Prometheus.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { VictoriaMetricsServer } from './victoria-metrics-server';
import { startActiveMode } from '../../src/active';
import { startExporter } from '../../src/exporter';
import { silentLogger } from '../../src/logger';
import { startSimulatedTask } from '../../src/simulator';
import { testConfig, until } from '../helpers';

test('series, target labels and staleness markers arrive in VictoriaMetrics', async () => {
  const vm = new VictoriaMetricsServer();
  await vm.start();
  const sim = await startSimulatedTask({ shape: 'fargate-v1', containers: 2, includeStopped: false });
  let app1Stopped = false;
  // Like ECS once app-1 exits: KnownStatus STOPPED and stats null (Fargate). app-0 is the sidecar here.
  const proxy = http.createServer(async (req, res) => {
    const body = await (await fetch(sim.metadataUri + req.url)).json() as any;
    if (app1Stopped && req.url === '/task') body.Containers.find((c: { Name: string }) => c.Name === 'app-1').KnownStatus = 'STOPPED';
    if (app1Stopped && req.url === '/task/stats') for (const id of Object.keys(body)) if (id.endsWith('-1000000001')) body[id] = null;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const exporter = await startExporter(testConfig({
    ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    collectInterval: '300ms',
    remoteWrite_url: vm.writeUrl,
    remoteWrite_basicAuth_username: 'tenant-vm',
    remoteWrite_flushInterval: '100ms',
  }), { host: '127.0.0.1', logger: silentLogger, defaultMetrics: false });
  try {
    await startActiveMode(exporter, { awsWorkerPath: '/nonexistent/aws-enrichment-worker.js' });
    const cpu = (container: string) => vm.query(`container_cpu_usage_seconds_total{container="${container}"}`);
    await until('both containers in VictoriaMetrics', async () => (await cpu('app-0')).length === 1 && (await cpu('app-1')).length === 1, 20_000, 250);
    expect((await cpu('app-0'))[0].metric).toMatchObject({
      __name__: 'container_cpu_usage_seconds_total',
      container: 'app-0',
      job: 'app-0',
      tenant: 'tenant-vm',
      cluster: 'sim-cluster',
      task_id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      namespace: 'AWS/ECS',
      region: 'us-west-2',
      account_id: '111122223333',
      instance: `10.0.2.106:${exporter.port}`,
    });
    expect(await vm.query('ecs_exporter_collection_up{tenant="tenant-vm"}')).toEqual([expect.objectContaining({ value: [expect.any(Number), '1'] })]);

    app1Stopped = true;
    const stoppedAt = Date.now();
    // After the marker an instant query no longer finds app-1, although its last sample is recent.
    await until('app-1 ended by its staleness markers', async () => (await cpu('app-1')).length === 0, 20_000, 250);
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);
    expect(await cpu('app-0')).toHaveLength(1);
  } finally {
    await exporter.stop();
    proxy.closeAllConnections();
    await Promise.all([new Promise((r) => proxy.close(r)), sim.stop(), vm.dispose()]);
  }
});
