import { Annotations, Duration, Token, Tokenization, aws_ecs as ecs, aws_logs as logs } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { sidecarPortMapping } from './private/network';
import { remoteWriteSettings } from './private/remote-write-settings';
import { grantActiveModePermissions } from './private/task-role-permissions';
import {
  renderInterval,
  validateContainerName,
  validateInterval,
  validateMetricsPath,
  validatePort,
  validateUserName,
  validateWholeNumber,
} from './private/validation';
import { RemoteWriteOptions } from './remote-write';
import { SidecarImage } from './sidecar-image';
import { SidecarMode } from './sidecar-mode';

/** Marks instances so that a second sidecar is found even across copies of this library. */
const SIDECAR_SYMBOL = Symbol.for('@asserts/cdk-ecs-sidecar.AssertsSidecar');

/** Prefix of the ids of this construct's synthesis warnings (acknowledgeable by id). */
const WARNING_ID_PREFIX = '@asserts/cdk-ecs-sidecar';

/** Health-check program inside the bundled image (see runtime/Dockerfile). */
const HEALTH_CHECK_COMMAND = ['CMD', 'node', '/app/lib/healthcheck.js'];

/**
 * Soft memory reservation per mode, from the exporter's steady RSS on Node 24 (runtime/bench, see
 * docs/benchmark.md): Passive 56-61 MiB at 10-50 containers and 76 MiB at 200, so 80 MiB; Active
 * about 105 MiB steady and 139 MiB with a full default outage queue (500,000 samples), so 144 MiB.
 */
const DEFAULT_MEMORY_RESERVATION_MIB: Readonly<Record<SidecarMode, number>> = {
  [SidecarMode.PASSIVE]: 80,
  [SidecarMode.ACTIVE]: 144,
};

/** Non-root uid of the bundled image (the `node` user of the official Node image). */
const NON_ROOT_USER = '1000';

/**
 * Environment variables the construct sets itself, with the property a user sets instead.
 * Passing them through `environment` would silently fight the typed props (or leak a secret into a
 * plain environment value), so they are refused with a pointer to the right property.
 */
const MANAGED_ENVIRONMENT: Readonly<Record<string, string>> = {
  httpListenPort: 'use port instead',
  metricsPath: 'use metricsPath instead',
  collectInterval: 'use collectInterval instead',
  httpAuth_username: 'use httpAuthUsername instead',
  httpAuth_password: 'use httpAuthPassword (an ecs.Secret) instead',
  remoteWrite_url: 'use remoteWrite.url instead',
  remoteWrite_basicAuth_username: 'use remoteWrite.username instead',
  remoteWrite_basicAuth_password: 'use remoteWrite.password (an ecs.Secret) instead',
  remoteWrite_bearerToken: 'use remoteWrite.bearerToken (an ecs.Secret) instead',
  SKIP_TLS_VERIFY: 'use remoteWrite.skipTlsVerify instead',
  remoteWrite_tlsInsecureSkipVerify: 'use remoteWrite.skipTlsVerify instead',
  remoteWrite_aws_useSigv4: 'use remoteWrite.sigV4 instead',
  remoteWrite_aws_region: 'use remoteWrite.sigV4.region instead',
  scrapeInterval: 'use remoteWrite.scrapeInterval instead',
  ECS_CONTAINER_METADATA_URI_V4: 'ECS sets it in every container; remove it',
};

/**
 * Properties of the exporter sidecar.
 */
export interface AssertsSidecarProps {
  /**
   * Remote write to a Prometheus-compatible TSDB. Setting it selects Active mode: the sidecar pushes
   * its task's metrics (and scrapes the task's labelled containers), and the task role gets the
   * read-only ECS/EC2 permissions it needs for target labels.
   *
   * @default - Passive mode: the metrics are only served for a central scraper
   */
  readonly remoteWrite?: RemoteWriteOptions;

  /**
   * The cluster the task runs in. Only used in Active mode, to scope the task role's
   * `ecs:DescribeTasks` to that cluster's tasks (`task/<cluster-name>/*`).
   *
   * @default - `ecs:DescribeTasks` on every task of the stack's account and region (`task/*`)
   */
  readonly cluster?: ecs.ICluster;

  /**
   * The exporter image.
   *
   * A custom image must keep the bundled image's layout: it is started as user 1000 with a read-only
   * root filesystem, and health-checked with `node /app/lib/healthcheck.js` unless `healthCheck` is set.
   *
   * @default - the exporter runtime bundled with this library, built from its `runtime/` folder at
   * deploy time for `cpuArchitecture` (see `SidecarImage.fromBundledRuntime`)
   */
  readonly image?: ecs.ContainerImage;

  /**
   * CPU architecture of the default image. Only used when `image` is not set.
   *
   * Set it for EC2 task definitions placed on Graviton instances: their architecture is the
   * instance's, which the task definition does not record.
   *
   * @default - the task definition's `runtimePlatform.cpuArchitecture`, else X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * Name of the sidecar container; also the log stream prefix of the default logging.
   *
   * @default 'ecs-dockerstats-exporter'
   */
  readonly containerName?: string;

  /**
   * The port the sidecar serves metrics and `/health` on (container port; environment
   * `httpListenPort`; docker label `PROMETHEUS_EXPORTER_PORT`).
   *
   * In bridge mode the host port is dynamic; in host mode the host port equals this port.
   *
   * @default 8014
   */
  readonly port?: number;

  /**
   * The HTTP path of the Prometheus exposition (environment `metricsPath`; docker label
   * `PROMETHEUS_EXPORTER_PATH`). Must start with `/` and must not be `/health`.
   *
   * @default '/container-stats/actuator/prometheus'
   */
  readonly metricsPath?: string;

  /**
   * Whether the task stops when the sidecar stops. A metrics sidecar should not take the
   * application down with it, hence false.
   *
   * @default false
   */
  readonly essential?: boolean;

  /**
   * Containers the sidecar waits for before it starts.
   *
   * @default - no dependencies
   */
  readonly dependsOn?: ecs.ContainerDependency[];

  /**
   * Log driver of the sidecar (its structured JSON logs).
   *
   * @default - awslogs to a log group this construct creates with `logRetention`, stream prefix =
   * `containerName`
   */
  readonly logging?: ecs.LogDriver;

  /**
   * Retention of the log group the construct creates. Only valid without `logging`.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * CPU units reserved for the sidecar (1024 = 1 vCPU).
   *
   * @default - no reservation: the sidecar shares the task's CPU
   */
  readonly cpu?: number;

  /**
   * Soft memory limit (reservation) of the sidecar in MiB. A default is set so that EC2 task
   * definitions, which require a memory setting on every container, synthesize.
   *
   * @default - 80 in Passive mode and 144 in Active mode (the exporter's measured steady RSS with
   * headroom, Active including a full outage queue), or none when `memoryLimitMiB` is set
   */
  readonly memoryReservationMiB?: number;

  /**
   * Hard memory limit of the sidecar in MiB; the container is killed above it.
   *
   * @default - no hard limit
   */
  readonly memoryLimitMiB?: number;

  /**
   * User name of basic auth on the metrics endpoint (environment `httpAuth_username`).
   * `/health` stays open so that the health check works. Requires `httpAuthPassword`.
   *
   * @default - the metrics endpoint is open
   */
  readonly httpAuthUsername?: string;

  /**
   * Password of basic auth on the metrics endpoint, injected as the secret `httpAuth_password`.
   * Requires `httpAuthUsername`.
   *
   * @default - the metrics endpoint is open
   */
  readonly httpAuthPassword?: ecs.Secret;

  /**
   * How often the sidecar reads `/task/stats` from the ECS metadata endpoint (environment
   * `collectInterval`). At least 1 second; ECS refreshes the stats about every 10 seconds.
   *
   * @default - the runtime's default, 15 seconds
   */
  readonly collectInterval?: Duration;

  /**
   * The sidecar container's health check.
   *
   * @default - `node /app/lib/healthcheck.js` (GET /health) every 30 s, timeout 5 s, 3 retries,
   * 15 s start period
   */
  readonly healthCheck?: ecs.HealthCheck;

  /**
   * Further environment variables for the runtime, for example `logLevel` or
   * `remoteWrite_maxPendingSamples`. Variables the construct sets from its own properties
   * (`httpListenPort`, `remoteWrite_url`, ...) are refused with the property to use instead.
   *
   * @default - none
   */
  readonly environment?: { [key: string]: string };
}

/**
 * Adds the Asserts metrics exporter sidecar to an ECS task definition (Fargate or EC2; awsvpc,
 * bridge or host network mode).
 *
 * The container gets its port mapping, the `PROMETHEUS_EXPORTER_PATH`/`PROMETHEUS_EXPORTER_PORT`
 * discovery labels, a health check, a non-root user and a read-only root filesystem, logs, and in
 * Active mode the remote-write settings and the task-role permissions.
 *
 * @example
 * declare const taskDefinition: ecs.FargateTaskDefinition;
 * new AssertsSidecar(taskDefinition, 'Metrics');
 */
export class AssertsSidecar extends Construct {
  /**
   * Whether `x` is an AssertsSidecar (works across copies of this library in one app).
   */
  public static isAssertsSidecar(x: any): x is AssertsSidecar {
    return x !== null && typeof x === 'object' && SIDECAR_SYMBOL in x;
  }

  /** The sidecar container. */
  public readonly container: ecs.ContainerDefinition;
  /** ACTIVE when `remoteWrite` is set, else PASSIVE. */
  public readonly mode: SidecarMode;
  /** The container port the metrics are served on. */
  public readonly port: number;
  /** The HTTP path of the metrics. */
  public readonly metricsPath: string;
  /** The log group the construct created for the default logging; undefined when `logging` was given. */
  public readonly logGroup?: logs.ILogGroup;

  /**
   * @param taskDefinition the Linux task definition (Fargate or EC2; awsvpc, bridge or host network
   * mode) the sidecar joins; the construct is created in its scope
   * @param id construct id, unique among the task definition's children
   * @param props the sidecar's settings; all optional (Passive mode on port 8014 by default)
   */
  public constructor(taskDefinition: ecs.TaskDefinition, id: string, props: AssertsSidecarProps = {}) {
    super(taskDefinition, id);
    Object.defineProperty(this, SIDECAR_SYMBOL, { value: true });

    refuseSecondSidecar(taskDefinition, this);
    const platform = readRuntimePlatform(taskDefinition);
    refuseWindows(platform.operatingSystemFamily);

    const containerName = props.containerName ?? 'ecs-dockerstats-exporter';
    this.port = props.port ?? 8014;
    this.metricsPath = props.metricsPath ?? '/container-stats/actuator/prometheus';
    this.mode = props.remoteWrite ? SidecarMode.ACTIVE : SidecarMode.PASSIVE;

    // A hard limit alone satisfies ECS's memory requirement on EC2; the default reservation is only
    // added when neither is given, so it can never exceed a user's hard limit.
    const memoryReservationMiB = props.memoryReservationMiB ?? (props.memoryLimitMiB === undefined ? DEFAULT_MEMORY_RESERVATION_MIB[this.mode] : undefined);
    validateContainerName(containerName);
    validatePort('port', this.port);
    validateMetricsPath(this.metricsPath);
    validateResourcesAndOptions(props, memoryReservationMiB);
    if (!Token.isUnresolved(containerName) && taskDefinition.findContainer(containerName)) {
      throw new Error(
        `The task definition already has a container named "${containerName}"; set containerName to a name not used in the task`,
      );
    }

    const portText = Tokenization.stringifyNumber(this.port);
    const environment: Record<string, string> = {
      ...props.environment,
      httpListenPort: portText,
      metricsPath: this.metricsPath,
    };
    const secrets: Record<string, ecs.Secret> = {};
    if (props.collectInterval) environment.collectInterval = renderInterval('collectInterval', props.collectInterval);
    if (props.httpAuthUsername !== undefined && props.httpAuthPassword) {
      environment.httpAuth_username = props.httpAuthUsername;
      secrets.httpAuth_password = props.httpAuthPassword;
    }

    let ampWorkspaceArn: string | undefined;
    if (props.remoteWrite) {
      const active = remoteWriteSettings(this, props.remoteWrite);
      Object.assign(environment, active.environment);
      Object.assign(secrets, active.secrets);
      ampWorkspaceArn = active.ampWorkspaceArn;
      for (const [warningId, message] of Object.entries(active.warnings)) {
        Annotations.of(this).addWarningV2(`${WARNING_ID_PREFIX}:${warningId}`, message);
      }
    }

    const portMapping = sidecarPortMapping(taskDefinition.networkMode, this.port);
    if (taskDefinition.networkMode === ecs.NetworkMode.HOST) {
      Annotations.of(this).addWarningV2(
        `${WARNING_ID_PREFIX}:hostNetworkPort`,
        `Host network mode: the sidecar listens on port ${portText} of the instance, so ECS places at most one task of this task definition per instance; ` +
        'give the sidecar of each other host-mode task definition on the same instances a distinct port, or use bridge or awsvpc.',
      );
    }

    let logging = props.logging;
    if (!logging) {
      const logGroup = new logs.LogGroup(this, 'LogGroup', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      });
      this.logGroup = logGroup;
      logging = ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: containerName });
    }

    this.container = new ecs.ContainerDefinition(this, 'Container', {
      taskDefinition,
      containerName,
      image: props.image ?? SidecarImage.fromBundledRuntime({
        cpuArchitecture: props.cpuArchitecture ?? cpuArchitectureFromName(platform.cpuArchitecture),
      }),
      essential: props.essential ?? false,
      cpu: props.cpu,
      memoryReservationMiB,
      memoryLimitMiB: props.memoryLimitMiB,
      portMappings: [portMapping],
      environment,
      secrets,
      logging,
      dockerLabels: {
        PROMETHEUS_EXPORTER_PATH: this.metricsPath,
        PROMETHEUS_EXPORTER_PORT: portText,
      },
      healthCheck: props.healthCheck ?? {
        command: HEALTH_CHECK_COMMAND,
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(15),
      },
      user: NON_ROOT_USER,
      readonlyRootFilesystem: true,
    });
    if (props.dependsOn && props.dependsOn.length > 0) {
      this.container.addContainerDependencies(...props.dependsOn);
    }

    if (this.mode === SidecarMode.ACTIVE) {
      grantActiveModePermissions(taskDefinition, ampWorkspaceArn, props.cluster);
    }

    // Containers added after the sidecar can still take its name; ECS would reject the task
    // definition at deploy time, so report it at synthesis instead.
    this.node.addValidation({
      validate: () => duplicateContainerNameErrors(taskDefinition, this.container),
    });
  }
}

function refuseSecondSidecar(taskDefinition: ecs.TaskDefinition, self: AssertsSidecar): void {
  const existing = taskDefinition.node.children.find(child => child !== self && AssertsSidecar.isAssertsSidecar(child));
  if (existing) {
    throw new Error(
      `The task definition already has an AssertsSidecar ("${existing.node.id}"); one sidecar reports every container of its task, so remove the second one`,
    );
  }
}

/** The runtime platform as rendered into the CloudFormation resource (the L2 keeps it private). */
function readRuntimePlatform(taskDefinition: ecs.TaskDefinition): { cpuArchitecture?: string; operatingSystemFamily?: string } {
  const cfn = taskDefinition.node.defaultChild as ecs.CfnTaskDefinition | undefined;
  const platform = cfn?.runtimePlatform;
  if (!platform || Token.isUnresolved(platform)) return {};
  const { cpuArchitecture, operatingSystemFamily } = platform as ecs.CfnTaskDefinition.RuntimePlatformProperty;
  return {
    cpuArchitecture: cpuArchitecture && !Token.isUnresolved(cpuArchitecture) ? cpuArchitecture : undefined,
    operatingSystemFamily: operatingSystemFamily && !Token.isUnresolved(operatingSystemFamily) ? operatingSystemFamily : undefined,
  };
}

function cpuArchitectureFromName(name: string | undefined): ecs.CpuArchitecture {
  return name === ecs.CpuArchitecture.ARM64._cpuArchitecture ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64;
}

function refuseWindows(operatingSystemFamily: string | undefined): void {
  if (operatingSystemFamily?.startsWith('WINDOWS')) {
    throw new Error(
      `The task definition runs on ${operatingSystemFamily}: the sidecar supports Linux tasks only; add it to a Linux task definition`,
    );
  }
}

/** The checks of the props that do not depend on the task definition. */
function validateResourcesAndOptions(props: AssertsSidecarProps, memoryReservationMiB: number | undefined): void {
  validateWholeNumber('cpu', props.cpu);
  validateWholeNumber('memoryReservationMiB', props.memoryReservationMiB);
  validateWholeNumber('memoryLimitMiB', props.memoryLimitMiB);
  validateMemoryLimits(memoryReservationMiB, props.memoryLimitMiB);
  validateInterval('collectInterval', props.collectInterval);
  validateUserName('httpAuthUsername', props.httpAuthUsername);
  if ((props.httpAuthUsername === undefined) !== (props.httpAuthPassword === undefined)) {
    throw new Error(
      'httpAuthUsername and httpAuthPassword must be set together (basic auth needs both); set the missing one or remove the other',
    );
  }
  if (props.logging && props.logRetention !== undefined) {
    throw new Error(
      'logRetention applies only to the log group the construct creates, but logging was given; remove logRetention or set the retention where your log driver\'s group is defined',
    );
  }
  refuseManagedEnvironment(props.environment ?? {});
}

function validateMemoryLimits(reservationMiB: number | undefined, limitMiB: number | undefined): void {
  if (limitMiB === undefined || reservationMiB === undefined || Token.isUnresolved(limitMiB) || Token.isUnresolved(reservationMiB)) return;
  if (limitMiB < reservationMiB) {
    throw new Error(
      `memoryLimitMiB (${limitMiB}) must not be below memoryReservationMiB (${reservationMiB}); raise memoryLimitMiB or lower memoryReservationMiB`,
    );
  }
}

function refuseManagedEnvironment(environment: { [key: string]: string }): void {
  for (const name of Object.keys(environment)) {
    const hint = MANAGED_ENVIRONMENT[name];
    if (hint !== undefined) {
      throw new Error(`environment must not set "${name}": it is managed for you; ${hint}`);
    }
  }
}

function duplicateContainerNameErrors(taskDefinition: ecs.TaskDefinition, sidecar: ecs.ContainerDefinition): string[] {
  const name = sidecar.containerName;
  if (Token.isUnresolved(name)) return [];
  const clash = taskDefinition.node
    .findAll()
    .find((c: IConstruct) => c !== sidecar && c instanceof ecs.ContainerDefinition && c.containerName === name);
  return clash
    ? [`Container "${clash.node.path}" has the same name as the AssertsSidecar container, "${name}"; set the sidecar's containerName to another name`]
    : [];
}
