import { Annotations, Duration, Token, Tokenization, aws_ecs as ecs, aws_logs as logs } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { VARIABLES } from './private/environment-contract.generated';
import { sidecarPortMapping } from './private/network';
import { remoteWriteSettings } from './private/remote-write-settings';
import { SidecarContainerDefinition, sidecarRestartPolicy } from './private/restart-policy';
import { isWindowsFamily, readRuntimePlatform } from './private/runtime-platform';
import { SidecarEnvironmentGuard, checkSidecarEnvironment, refuseManagedEnvironment } from './private/sidecar-environment';
import { grantActiveModePermissions } from './private/task-role-permissions';
import {
  intervalWarning,
  renderInterval,
  validateContainerName,
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
 * docs/benchmark.md): Passive 59-64 MiB at 10-50 containers and 70-79 MiB at 200, so 80 MiB; Active
 * 63-73 MiB at 10-50 containers, 93-95 MiB at 200, and with a full default outage queue (500,000
 * samples) 77 MiB at 10 containers and 83 MiB at 50, so 112 MiB.
 */
const DEFAULT_MEMORY_RESERVATION_MIB: Readonly<Record<SidecarMode, number>> = {
  [SidecarMode.PASSIVE]: 80,
  [SidecarMode.ACTIVE]: 112,
};

/**
 * The smallest hard memory limit synthesized without a warning. Passive: the default reservation.
 * Active: the exporter (up to 95 MiB at 200 containers) and, for about half a second at start and
 * at each retry, the child process that makes the AWS calls (peak RSS ~125 MiB on Node 24 with the
 * image's flags; exporter and child together 173-185 MiB at 10 containers), so 224 MiB.
 */
const MIN_MEMORY_LIMIT_MIB: Readonly<Record<SidecarMode, number>> = {
  [SidecarMode.PASSIVE]: DEFAULT_MEMORY_RESERVATION_MIB[SidecarMode.PASSIVE],
  [SidecarMode.ACTIVE]: 224,
};

/** Non-root uid of the bundled image (the `node` user of the official Node image). */
const NON_ROOT_USER = '1000';

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
   * Whether ECS restarts the sidecar container in place when it exits (ECS's container restart policy).
   *
   * The task is not replaced. The sidecar is not essential, so without a restart policy an exporter
   * that exits stays down until the task is replaced.
   *
   * Restart policies need Fargate platform version 1.4.0 or later, or on EC2 instances ECS container
   * agent 1.86.0 or later (older agents: set this to false). The metadata then reports each restart
   * (`RestartCount`).
   *
   * @default true
   */
  readonly enableRestartPolicy?: boolean;

  /**
   * How long the sidecar must have run before ECS restarts it after it exits.
   *
   * ECS restarts it at most once per period, and not at all when it exits sooner, so a sidecar that
   * stops at start because of a bad setting is not restarted in a loop. Between 60 seconds and 30
   * minutes; only with `enableRestartPolicy`.
   *
   * @default Duration.seconds(60)
   */
  readonly restartAttemptPeriod?: Duration;

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
   * @default - 80 in Passive mode and 112 in Active mode (the exporter's measured steady RSS with
   * headroom, Active including a full outage queue), or none when `memoryLimitMiB` is set
   */
  readonly memoryReservationMiB?: number;

  /**
   * Hard memory limit of the sidecar in MiB; the container is killed above it. Below 80 MiB in
   * Passive mode or 224 MiB in Active mode (where a short-lived child process makes the AWS calls)
   * synthesis warns: that is less than the sidecar is measured to need on Node 24.
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
   * `collectInterval`). ECS refreshes the stats about every 10 seconds, so synthesis warns below
   * 1 second.
   *
   * @default - the runtime's default, 15 seconds
   */
  readonly collectInterval?: Duration;

  /**
   * Whether the sidecar also reports its own Node.js process metrics (`process_*`, `nodejs_*`).
   * false sets `disableExporterMetrics=true`, which drops them; the `ecs_exporter_*` health series
   * stay.
   *
   * @default true
   */
  readonly exporterMetrics?: boolean;

  /**
   * The sidecar container's health check.
   *
   * @default - `node /app/lib/healthcheck.js` (GET /health) every 30 s, timeout 5 s, 3 retries,
   * 15 s start period
   */
  readonly healthCheck?: ecs.HealthCheck;

  /**
   * Further environment variables for the runtime, for example `logLevel`,
   * `maxSeriesPerCollection` or (Active mode) `remoteWrite_maxPendingSamples`. Their values are
   * checked at synthesis as the runtime checks them at start. Variables the construct sets from its
   * own properties (`httpListenPort`, `remoteWrite_url`, ...) are refused with the property to use
   * instead, here and when added to `container` later.
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
    this.port = props.port ?? VARIABLES.httpListenPort.default;
    this.metricsPath = props.metricsPath ?? VARIABLES.metricsPath.default;
    this.mode = props.remoteWrite ? SidecarMode.ACTIVE : SidecarMode.PASSIVE;

    // A hard limit alone satisfies ECS's memory requirement on EC2; the default reservation is only
    // added when neither is given, so it can never exceed a user's hard limit.
    const defaultReservationMiB = props.memoryLimitMiB === undefined ? DEFAULT_MEMORY_RESERVATION_MIB[this.mode] : undefined;
    const memoryReservationMiB = props.memoryReservationMiB ?? defaultReservationMiB;
    validateContainerName(containerName);
    const restartPolicy = sidecarRestartPolicy(props.enableRestartPolicy, props.restartAttemptPeriod);
    validateResourcesAndOptions(props);
    const memoryWarning = memoryLimitWarning(this.mode, props.memoryLimitMiB);
    if (memoryWarning) Annotations.of(this).addWarningV2(`${WARNING_ID_PREFIX}:memoryLimitBelowNeed`, memoryWarning);
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
    if (props.collectInterval) {
      environment.collectInterval = renderInterval('collectInterval', props.collectInterval);
      const warning = intervalWarning('collectInterval', props.collectInterval);
      if (warning) Annotations.of(this).addWarningV2(`${WARNING_ID_PREFIX}:collectIntervalBelowOneSecond`, warning);
    }
    if (props.httpAuthUsername !== undefined) environment.httpAuth_username = props.httpAuthUsername;
    if (props.httpAuthPassword) secrets.httpAuth_password = props.httpAuthPassword;
    if (props.exporterMetrics === false) environment.disableExporterMetrics = 'true';

    let ampWorkspaceArn: string | undefined;
    if (props.remoteWrite) {
      const active = remoteWriteSettings(this, props.remoteWrite, { environment, secretNames: Object.keys(secrets) });
      Object.assign(environment, active.environment);
      Object.assign(secrets, active.secrets);
      ampWorkspaceArn = active.ampWorkspaceArn;
      for (const [warningId, message] of Object.entries(active.warnings)) {
        Annotations.of(this).addWarningV2(`${WARNING_ID_PREFIX}:${warningId}`, message);
      }
    }
    // The runtime's own parser and rules, naming the property to change: what it would refuse at
    // start is refused here.
    checkSidecarEnvironment(environment, Object.keys(secrets));

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

    this.container = new SidecarContainerDefinition(this, 'Container', {
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
    }, restartPolicy);
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
    // Variables added to the container after construction are held to the same contract.
    this.node.addValidation(new SidecarEnvironmentGuard(this.container, { ...environment }, Object.keys(secrets)));
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

function cpuArchitectureFromName(name: string | undefined): ecs.CpuArchitecture {
  return name === ecs.CpuArchitecture.ARM64._cpuArchitecture ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64;
}

function refuseWindows(operatingSystemFamily: string | undefined): void {
  if (isWindowsFamily(operatingSystemFamily)) {
    throw new Error(
      `The task definition runs on ${operatingSystemFamily}: the sidecar supports Linux tasks only; add it to a Linux task definition`,
    );
  }
}

/** A hard limit the kernel would enforce below what the sidecar is measured to need, or undefined. */
function memoryLimitWarning(mode: SidecarMode, limitMiB: number | undefined): string | undefined {
  const needed = MIN_MEMORY_LIMIT_MIB[mode];
  if (limitMiB === undefined || Token.isUnresolved(limitMiB) || limitMiB >= needed) return undefined;
  const what = mode === SidecarMode.ACTIVE
    ? 'in Active mode the exporter (up to 95 MiB) shares it, at start and at each retry, with the child process that makes the AWS calls (~125 MiB for about half a second): the kernel may kill that child, and the series then lack the service, VPC and tag labels, or kill the exporter'
    : 'the exporter holds up to 64 MiB at 50 containers and up to 79 MiB at 200 on Node 24, and the kernel kills the sidecar when it goes over';
  return `memoryLimitMiB is ${limitMiB}: ${what}. Set memoryLimitMiB to at least ${needed}, or set memoryReservationMiB (a soft limit) instead.`;
}

/**
 * The checks of the props that do not depend on the task definition. Values that become environment
 * variables are checked by the environment contract; memory limit against reservation by
 * ecs.ContainerDefinition.
 */
function validateResourcesAndOptions(props: AssertsSidecarProps): void {
  validateWholeNumber('cpu', props.cpu);
  validateWholeNumber('memoryReservationMiB', props.memoryReservationMiB);
  validateWholeNumber('memoryLimitMiB', props.memoryLimitMiB);
  validateUserName('httpAuthUsername', props.httpAuthUsername);
  if (props.logging && props.logRetention !== undefined) {
    throw new Error(
      'logRetention applies only to the log group the construct creates, but logging was given; remove logRetention or set the retention where your log driver\'s group is defined',
    );
  }
  refuseManagedEnvironment(props.environment ?? {});
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
