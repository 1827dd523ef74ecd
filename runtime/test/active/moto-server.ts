/**
 * Runs moto's server (`pip install 'moto[server]'`) on 127.0.0.1 with a free port, so the AWS SDK is
 * exercised for real against an emulated ECS/EC2. A missing binary FAILS the test (CI installs it).
 */
import { spawnSync } from 'node:child_process';
import { freePort, ServerProcess } from '../helpers';

export const MOTO_BINARY = process.env.MOTO_SERVER_BINARY ?? 'moto_server';

export class MotoServer {
  private server?: ServerProcess;
  port = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const probe = spawnSync(MOTO_BINARY, ['--help'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(`${MOTO_BINARY} not runnable (${probe.error?.message ?? probe.stderr}): install it with "pip install 'moto[server]'" (.ci/run does)`);
    }
    this.port = await freePort();
    this.server = await ServerProcess.start(MOTO_BINARY, ['-H', '127.0.0.1', '-p', String(this.port)],
      async () => (await fetch(`${this.endpoint}/moto-api/`)).status < 500);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}
