import { backoffDelayMs } from '../src/core/backoff';
import { parseTaskIdentity } from '../src/core/task-identity';

test('cluster name, task id, region and account come from the ARNs, whichever form the cluster has', () => {
  const arn = 'arn:aws:ecs:eu-west-1:111122223333:task/prod/abcdef0123';
  const expected = { region: 'eu-west-1', accountId: '111122223333', taskId: 'abcdef0123', clusterName: 'prod' };
  expect(parseTaskIdentity(arn, 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod')).toEqual(expected);
  expect(parseTaskIdentity(arn, 'prod')).toEqual(expected);
  expect(parseTaskIdentity(arn, undefined)).toEqual(expected);
  expect(parseTaskIdentity('arn:aws-us-gov:ecs:us-gov-west-1:1:task/abc', 'c')).toEqual({ region: 'us-gov-west-1', accountId: '1', taskId: 'abc', clusterName: 'c' });
});

test('a task ARN or cluster of the wrong type counts as absent, never as a label value', () => {
  expect(parseTaskIdentity(7, 42)).toEqual({ region: undefined, accountId: undefined, taskId: undefined, clusterName: undefined });
  expect(parseTaskIdentity('arn:aws:ecs:us-east-1:1:task/c/t', { name: 'c' }).clusterName).toBe('c');
  expect(parseTaskIdentity(['arn'], '').clusterName).toBeUndefined();
});

test('backoff grows exponentially to its cap with full jitter, and honours Retry-After up to its cap', () => {
  const policy = { minMs: 100, maxMs: 1_000, maxRetryAfterMs: 5_000 };
  const highest = [0, 1, 2, 3, 10].map((attempt) => backoffDelayMs(attempt, policy, () => 0.999999));
  expect(highest).toEqual([100, 200, 400, 800, 1_000].map((ms) => ms * 0.999999));
  expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  expect(backoffDelayMs(0, policy, () => 0.5, 3_000)).toBe(3_000);
  expect(backoffDelayMs(0, policy, () => 0.5, 60_000)).toBe(5_000);
});
