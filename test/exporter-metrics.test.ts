import { Template } from 'aws-cdk-lib/assertions';
import { containerDefinition, environmentOf, fargateTask, newStack } from './helpers';
import { AssertsSidecar, AssertsSidecarProps } from '../src';

function sidecarEnvironment(props: AssertsSidecarProps): Record<string, string> {
  const stack = newStack();
  new AssertsSidecar(fargateTask(stack), 'Metrics', props);
  return environmentOf(containerDefinition(Template.fromStack(stack), 'ecs-dockerstats-exporter'));
}

describe('the exporter\'s own process metrics', () => {
  test('are kept by default: the runtime gets no disableExporterMetrics', () => {
    expect(sidecarEnvironment({})).not.toHaveProperty('disableExporterMetrics');
    expect(sidecarEnvironment({ exporterMetrics: true })).not.toHaveProperty('disableExporterMetrics');
  });

  test('exporterMetrics: false sets disableExporterMetrics=true, in Passive and Active mode', () => {
    expect(sidecarEnvironment({ exporterMetrics: false })).toMatchObject({ disableExporterMetrics: 'true' });
    expect(sidecarEnvironment({ exporterMetrics: false, remoteWrite: { url: 'https://prometheus.example.com/api/v1/write' } }))
      .toMatchObject({ disableExporterMetrics: 'true', remoteWrite_url: 'https://prometheus.example.com/api/v1/write' });
  });

  test('disableExporterMetrics through environment is refused with the prop to use', () => {
    expect(() => sidecarEnvironment({ environment: { disableExporterMetrics: 'true' } })).toThrow(
      'environment must not set "disableExporterMetrics": it is managed for you; use exporterMetrics instead',
    );
  });
});
