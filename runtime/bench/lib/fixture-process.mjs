/**
 * Child process that hosts what the exporter talks to: the simulated ECS task (metadata
 * endpoint + labelled application containers), the remote-write receiver and the stand-in for
 * the AWS APIs Active mode calls once per task.
 *
 * It runs apart from the benchmark driver so that serving /task/stats and decoding remote-write
 * bodies never delays the driver's scrape timer or its latency clock. The parent talks to it
 * over the fork IPC channel with { id, command, args } -> { id, result | error }.
 */
import { startSimulatedTask } from './simulated-task.mjs';
import { startRemoteWriteReceiver } from './remote-write-receiver.mjs';
import { startFakeAwsApi } from './fake-aws-api.mjs';

let task;
let receiver;
let aws;

const commands = {
  async start({ containers, libDir }) {
    await commands.stop();
    task = await startSimulatedTask({ containers, libDir });
    receiver = await startRemoteWriteReceiver();
    aws = await startFakeAwsApi();
    return { metadataUri: task.metadataUri, remoteWriteUrl: receiver.url, awsEndpoint: aws.endpoint, description: task.description };
  },
  counters() {
    return { statsRequests: task.statsRequests(), taskRequests: task.taskRequests(), receiver: receiver.snapshot(), awsCalls: aws.calls() };
  },
  setOutage({ on }) {
    receiver.setOutage(on);
    return receiver.snapshot();
  },
  async stop() {
    if (task) await task.close();
    if (receiver) await receiver.close();
    if (aws) await aws.close();
    task = undefined;
    receiver = undefined;
    aws = undefined;
    return true;
  },
};

process.on('message', async ({ id, command, args }) => {
  try {
    const handler = commands[command];
    if (!handler) throw new Error(`unknown fixture command ${command}`);
    process.send({ id, result: await handler(args ?? {}) });
  } catch (error) {
    process.send({ id, error: error.stack ?? String(error) });
  }
});

// The parent going away (crash, Ctrl-C) must not leave this process serving forever.
process.on('disconnect', () => {
  commands.stop().finally(() => process.exit(0));
});
