import { Duration, aws_ecs as ecs } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** ECS's limits of a container restart policy's attempt period. */
const MIN_RESTART_ATTEMPT_PERIOD_S = 60;
const MAX_RESTART_ATTEMPT_PERIOD_S = 1800;

/**
 * The shortest period ECS allows: a sidecar that ran for a minute and then exited comes back soon,
 * while one that stops right at start (a bad setting, which the runtime reports in one log line and
 * which a restart would not fix) is not restarted in a loop.
 */
const DEFAULT_RESTART_ATTEMPT_PERIOD = Duration.seconds(MIN_RESTART_ATTEMPT_PERIOD_S);

/** The sidecar container's restart policy, split into what aws-cdk-lib takes and what it cannot. */
export interface SidecarRestartPolicy {
  /** Handed to `ecs.ContainerDefinition` as they are. */
  readonly containerOptions: Pick<ecs.ContainerDefinitionOptions, 'enableRestartPolicy' | 'restartAttemptPeriod'>;
  /**
   * A period known only at deploy time (`Duration.seconds(token)`), in seconds. aws-cdk-lib checks
   * the period's range at synthesis and refuses every token, so `SidecarContainerDefinition` renders it.
   */
  readonly deployTimeAttemptPeriodSeconds?: number;
}

/**
 * Checks and resolves the restart-policy props: on by default with a 60-second attempt period;
 * the period between 60 seconds and 30 minutes (ECS's limits), unless it is a token.
 */
export function sidecarRestartPolicy(enableRestartPolicy: boolean | undefined, restartAttemptPeriod: Duration | undefined): SidecarRestartPolicy {
  if (enableRestartPolicy === false) {
    if (restartAttemptPeriod !== undefined) {
      throw new Error(
        `restartAttemptPeriod (${restartAttemptPeriod.toHumanString()}) applies only to the restart policy, but enableRestartPolicy is false; remove restartAttemptPeriod or set enableRestartPolicy to true`,
      );
    }
    return { containerOptions: { enableRestartPolicy: false } };
  }

  const period = restartAttemptPeriod ?? DEFAULT_RESTART_ATTEMPT_PERIOD;
  if (period.isUnresolved()) {
    let seconds: number;
    try {
      seconds = period.toSeconds();
    } catch {
      throw new Error(`restartAttemptPeriod from a token must be given as Duration.seconds(token), got ${period.toHumanString()}`);
    }
    return { containerOptions: { enableRestartPolicy: true }, deployTimeAttemptPeriodSeconds: seconds };
  }

  const seconds = period.toMilliseconds() / 1000;
  if (!Number.isInteger(seconds) || seconds < MIN_RESTART_ATTEMPT_PERIOD_S || seconds > MAX_RESTART_ATTEMPT_PERIOD_S) {
    throw new Error(
      `restartAttemptPeriod must be a whole number of seconds between ${MIN_RESTART_ATTEMPT_PERIOD_S} seconds and ` +
      `${MAX_RESTART_ATTEMPT_PERIOD_S / 60} minutes (ECS's limits), got ${Number.isInteger(seconds) ? period.toHumanString() : `${period.toMilliseconds()} milliseconds`}; ` +
      `use for example Duration.seconds(${Math.min(Math.max(Math.round(seconds), MIN_RESTART_ATTEMPT_PERIOD_S), MAX_RESTART_ATTEMPT_PERIOD_S)})`,
    );
  }
  return { containerOptions: { enableRestartPolicy: true, restartAttemptPeriod: Duration.seconds(seconds) } };
}

/**
 * The sidecar's container definition: aws-cdk-lib's, except that a restart attempt period known only
 * at deploy time is rendered too (aws-cdk-lib would refuse it at synthesis).
 */
export class SidecarContainerDefinition extends ecs.ContainerDefinition {
  private readonly deployTimeAttemptPeriodSeconds?: number;

  public constructor(scope: Construct, id: string, props: ecs.ContainerDefinitionProps, restartPolicy: SidecarRestartPolicy) {
    super(scope, id, { ...props, ...restartPolicy.containerOptions });
    this.deployTimeAttemptPeriodSeconds = restartPolicy.deployTimeAttemptPeriodSeconds;
  }

  public renderContainerDefinition(taskDefinition?: ecs.TaskDefinition): ecs.CfnTaskDefinition.ContainerDefinitionProperty {
    const rendered = super.renderContainerDefinition(taskDefinition);
    if (this.deployTimeAttemptPeriodSeconds === undefined) return rendered;
    return { ...rendered, restartPolicy: { enabled: true, restartAttemptPeriod: this.deployTimeAttemptPeriodSeconds } };
  }
}
