import { Annotations, IAspect, Token, aws_ecs as ecs } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AssertsSidecar, AssertsSidecarProps } from './asserts-sidecar';
import { isWindowsFamily, readRuntimePlatform } from './private/runtime-platform';

/** Prefix of the ids of this library's synthesis warnings (acknowledgeable by id). */
const WARNING_ID_PREFIX = '@asserts/cdk-ecs-sidecar';

/** The sidecar's container name when the props name none (the same default as `AssertsSidecar`). */
const DEFAULT_CONTAINER_NAME = 'ecs-dockerstats-exporter';

/**
 * Adds the Asserts metrics exporter sidecar to every ECS task definition in a scope, with the same
 * properties as `AssertsSidecar`: one line instruments every service of an app or stack.
 *
 * - A task definition that already has an `AssertsSidecar` (added by hand, before or after the
 *   aspect was added) is left as it is, and so is one that already has a container with the
 *   sidecar's container name (a sidecar written by hand).
 * - Task definitions the sidecar cannot serve, Windows ones (runtime platform `WINDOWS_*` or network
 *   mode `nat`) and network mode `none`, are skipped with a synthesis warning instead of the error
 *   `AssertsSidecar` raises for them.
 * - The sidecar gets the construct id `AssertsSidecar` below each task definition.
 *
 * Add it with `AspectPriority.MUTATING`, so that it runs before aspects that read the tree (such
 * as cdk-nag's checks) and they see the sidecars.
 *
 * @example
 * declare const app: App;
 * Aspects.of(app).add(new AssertsSidecarAspect({
 *   remoteWrite: { url: 'https://prometheus.example.com/api/v1/write' },
 * }), { priority: AspectPriority.MUTATING });
 */
export class AssertsSidecarAspect implements IAspect {
  /** The construct id of the sidecars the aspect adds, below each task definition. */
  public static readonly SIDECAR_ID = 'AssertsSidecar';

  private readonly props: AssertsSidecarProps;

  /**
   * @param props the settings of every sidecar the aspect adds; all optional (Passive mode on port
   * 8014 by default). `dependsOn` is refused: it names containers of one task definition.
   */
  public constructor(props: AssertsSidecarProps = {}) {
    if (props.dependsOn && props.dependsOn.length > 0) {
      throw new Error(
        'AssertsSidecarAspect cannot take dependsOn: its containers belong to one task definition, while the aspect adds a sidecar to every task definition; ' +
        'remove dependsOn, or add the sidecar to that task definition with new AssertsSidecar(...) (the aspect then leaves it as it is)',
      );
    }
    this.props = props;
  }

  /**
   * Adds the sidecar when `node` is a task definition without one.
   */
  public visit(node: IConstruct): void {
    if (!(node instanceof ecs.TaskDefinition)) return;
    if (node.node.children.some(child => AssertsSidecar.isAssertsSidecar(child))) return;

    const containerName = this.props.containerName ?? DEFAULT_CONTAINER_NAME;
    if (!Token.isUnresolved(containerName) && node.findContainer(containerName)) {
      Annotations.of(node).addWarningV2(
        `${WARNING_ID_PREFIX}:aspectContainerNameTaken`,
        `AssertsSidecarAspect left this task definition as it is: it already has a container named "${containerName}", taken for a sidecar added by hand. ` +
        'If that container is not the exporter, give the aspect another containerName.',
      );
      return;
    }

    const skipped = unsupportedPlatform(node);
    if (skipped) {
      Annotations.of(node).addWarningV2(
        `${WARNING_ID_PREFIX}:aspectSkipped${skipped.id}`,
        `AssertsSidecarAspect added no sidecar to this task definition: ${skipped.reason}. The sidecar supports Linux tasks in awsvpc, bridge or host network mode.`,
      );
      return;
    }

    new AssertsSidecar(node, AssertsSidecarAspect.SIDECAR_ID, this.props);
  }
}

/** Why the sidecar cannot run in a task definition (warning id suffix and reason), if it cannot. */
function unsupportedPlatform(taskDefinition: ecs.TaskDefinition): { id: string; reason: string } | undefined {
  const { operatingSystemFamily } = readRuntimePlatform(taskDefinition);
  if (isWindowsFamily(operatingSystemFamily)) {
    return { id: 'Windows', reason: `it runs on ${operatingSystemFamily}` };
  }
  if (taskDefinition.networkMode === ecs.NetworkMode.NAT) {
    return { id: 'Windows', reason: 'it uses network mode "nat", which is for Windows containers' };
  }
  if (taskDefinition.networkMode === ecs.NetworkMode.NONE) {
    return {
      id: 'NetworkModeNone',
      reason: 'it uses network mode "none", in which the sidecar could neither reach the ECS metadata endpoint nor be scraped',
    };
  }
  return undefined;
}
