/**
 * A loopback stand-in for the three AWS API calls Active mode makes once per task
 * (ecs:DescribeTasks, ecs:DescribeTaskDefinition, ec2:DescribeSubnets), reached through the SDK's
 * own `AWS_ENDPOINT_URL` setting. It answers successfully, so the benchmarked process loads and
 * runs the AWS SDK exactly as a task with the right IAM permissions does (memory and start-up
 * included); it echoes the asked-for task so the labels line up with the simulated metadata.
 */
import { createServer } from 'node:http';

export const BENCH_SERVICE_NAME = 'bench-service';
export const BENCH_SUBNET_ID = 'subnet-0bench0000000001';
export const BENCH_VPC_ID = 'vpc-0bench0000000001';

function ecsAnswer(operation, request) {
  switch (operation) {
    case 'DescribeTasks': {
      const taskArn = request.tasks?.[0];
      return {
        tasks: [{
          taskArn,
          clusterArn: request.cluster,
          group: `service:${BENCH_SERVICE_NAME}`,
          lastStatus: 'RUNNING',
          attachments: [{
            id: 'attachment-bench',
            type: 'ElasticNetworkInterface',
            status: 'ATTACHED',
            details: [
              { name: 'subnetId', value: BENCH_SUBNET_ID },
              { name: 'networkInterfaceId', value: 'eni-0bench0000000001' },
            ],
          }],
          tags: [{ key: 'team', value: 'bench' }, { key: 'CostCenter', value: '42' }],
        }],
        failures: [],
      };
    }
    case 'DescribeTaskDefinition':
      return { taskDefinition: { family: 'bench', revision: 1, taskDefinitionArn: request.taskDefinition } };
    default:
      return undefined;
  }
}

function describeSubnetsXml() {
  return `<?xml version="1.0" encoding="UTF-8"?>
<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>00000000-0000-0000-0000-000000000000</requestId>
  <subnetSet><item><subnetId>${BENCH_SUBNET_ID}</subnetId><vpcId>${BENCH_VPC_ID}</vpcId><state>available</state></item></subnetSet>
</DescribeSubnetsResponse>`;
}

export async function startFakeAwsApi() {
  const calls = {};
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string') {
        const operation = target.split('.').pop();
        calls[`ecs:${operation}`] = (calls[`ecs:${operation}`] ?? 0) + 1;
        const answer = ecsAnswer(operation, JSON.parse(body || '{}'));
        if (answer) {
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer));
        } else {
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InvalidAction' })
            .end(JSON.stringify({ __type: 'InvalidAction', message: `bench fake does not implement ${operation}` }));
        }
        return;
      }
      const action = new URLSearchParams(body).get('Action');
      calls[`ec2:${action}`] = (calls[`ec2:${action}`] ?? 0) + 1;
      if (action === 'DescribeSubnets') {
        response.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' }).end(describeSubnetsXml());
      } else {
        response.writeHead(400, { 'content-type': 'text/xml' })
          .end(`<Response><Errors><Error><Code>InvalidAction</Code><Message>bench fake does not implement ${action}</Message></Error></Errors><RequestID>0</RequestID></Response>`);
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    calls: () => ({ ...calls }),
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
