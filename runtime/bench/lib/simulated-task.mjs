/**
 * The simulated ECS task of the runtime itself (runtime/src/simulator, built to lib/simulator and
 * taken from the benchmark's copy of lib/),
 * so the benchmark reads exactly the shapes the exporter's tests use. Fargate (awsvpc, cgroup v1)
 * is the default shape: the most common home of the sidecar.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

export async function startSimulatedTask({ containers, libDir, shape = 'fargate-v1' }) {
  const require = createRequire(import.meta.url);
  const simulator = require(join(libDir, 'simulator', 'index.js'));
  const task = await simulator.startSimulatedTask({ shape, containers });
  return {
    metadataUri: task.metadataUri,
    description: `${shape}, ${containers} running containers + 1 stopped`,
    statsRequests: () => task.requests['/task/stats'] ?? 0,
    taskRequests: () => task.requests['/task'] ?? 0,
    close: () => task.stop(),
  };
}
