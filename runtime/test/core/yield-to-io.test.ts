import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { yieldToIo } from '../../src/core/yield-to-io';

/** Blocks the thread, as a long synchronous step does. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('yieldToIo', () => {
  let server: Server;
  let client: Socket;
  let peer: Socket;

  beforeEach(async () => {
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer(resolve);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    peer = await accepted;
  });
  afterEach(async () => {
    client.destroy();
    peer.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  /**
   * Inside an I/O callback, a request arrives on another socket while the thread is busy; the code
   * then yields with `yieldFn` and reports whether the request was handled before it went on.
   */
  async function handledBeforeContinuing(yieldFn: () => Promise<void>): Promise<boolean> {
    let handled = false;
    client.on('data', () => {
      handled = true;
    });
    return new Promise((resolve) => {
      peer.once('data', async () => {
        // The "scrape": the other side writes while this callback is still busy.
        peer.write('answer');
        busyFor(30);
        await yieldFn();
        resolve(handled);
      });
      client.write('first response');
    });
  }

  test('I/O that became ready during a synchronous step is handled before the caller continues', async () => {
    await expect(handledBeforeContinuing(yieldToIo)).resolves.toBe(true);
  });

  test('a single setImmediate would not let it in (why yieldToIo takes two)', async () => {
    await expect(handledBeforeContinuing(() => new Promise((resolve) => setImmediate(resolve)))).resolves.toBe(false);
  });
});
