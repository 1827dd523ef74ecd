/**
 * The target labels the central discovery attaches to a scraped container (job and container, cluster,
 * workload and service, task definition name and version, task id and pod, VPC and subnet,
 * availability zone, namespace, region, account, tenant, and each task tag as `tag_<snake_case>`),
 * computed from the task metadata plus what the AWS APIs added. Active mode attaches the same set so
 * dashboards cannot tell the modes apart. Empty values are left out (remote write forbids them); the
 * task comes typed from the metadata reader, which already left out fields of the wrong type (a
 * numeric `Revision` arrives as its text).
 *
 * The labels that do not depend on which container is the target (cluster, workload, task_id, ...)
 * come without `job`/`container` when the container is unknown.
 */
import type { AwsTaskInfo } from './aws/task-info';
import { seriesKey, seriesLabels, type LabelPair } from './sender';
import { text } from '../core/fields';
import { parseTaskIdentity } from '../core/task-identity';
import type { TaskMetadata } from '../metadata/types';
import type { Labels } from '../model';

export interface TargetLabelInputs {
  readonly task: TaskMetadata;
  readonly aws: AwsTaskInfo;
  /** The ECS container name of the target; without it, no `job`/`container`. */
  readonly containerName?: string;
  /** Remote-write basic-auth user. */
  readonly tenant?: string;
  /** Region from configuration, used when the ARN has none. */
  readonly region?: string;
}

export function targetLabels(inputs: TargetLabelInputs): Labels {
  const { task, aws, containerName } = inputs;
  const identity = parseTaskIdentity(task.TaskARN, task.Cluster);
  const family = text(task.Family) ?? aws.taskDefinitionFamily;
  const revision = text(task.Revision) ?? aws.taskDefinitionRevision;
  const workload = aws.serviceName || family;
  const labels: Record<string, string | undefined> = {};
  // Tags first, so a tag can never overwrite one of the fixed labels below.
  for (const [key, value] of Object.entries(aws.tags)) {
    const name = snakeCase(key);
    if (name) labels[`tag_${name}`] = value;
  }
  Object.assign(labels, {
    job: containerName,
    container: containerName,
    cluster: identity.clusterName,
    workload,
    service: workload,
    ecs_taskdef_name: family,
    ecs_taskdef_version: revision,
    task_id: identity.taskId,
    pod: workload && identity.taskId ? `${workload}-${identity.taskId}` : undefined,
    vpc_id: aws.vpcId,
    subnet_id: aws.subnetId,
    availability_zone: task.AvailabilityZone,
    namespace: 'AWS/ECS',
    region: identity.region ?? inputs.region,
    account_id: identity.accountId,
    tenant: inputs.tenant,
  });
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (typeof value === 'string' && value !== '') result[name] = value;
  }
  return result;
}

/**
 * Prometheus `honor_labels: true` semantics (what the central scraper uses): a label the target
 * exposes itself wins over the target label of the same name; an exposed empty value removes it.
 */
export function honorLabels(target: Labels, exposed: Labels): Labels {
  const merged: Record<string, string> = { ...target, ...exposed };
  for (const [name, value] of Object.entries(merged)) {
    if (value === '') delete merged[name];
  }
  return merged;
}

/** AWS tag key → Prometheus label name part: `CostCenter` → `cost_center`, `aws:ecs:serviceName` → `aws_ecs_service_name`. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^a-zA-Z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase();
}

export interface WireLabels {
  readonly labels: readonly LabelPair[];
  readonly key: string;
}

/**
 * Wire label sets of a source's series, kept from one round to the next. The same series come back
 * every collection, and building a label set (merge, validate, sort, key) was most of Active mode's
 * CPU per collection (runtime/bench). Valid while the target labels keep their content: answers by
 * labels object last as long as those objects, answers by text only for the series of the last round.
 */
export class LabelSetCache {
  private previous = new Map<string, WireLabels>();
  private current = new Map<string, WireLabels>();
  /**
   * Answers by sample labels object, then by metric name, for as long as the target labels keep their
   * content. The transform hands out the same labels object for a container's series from one
   * collection to the next (metrics/label-sets.ts), so from the second collection on nearly every
   * sample is answered here without building a text key (JSON of the labels per sample was most of
   * `labelsOf`'s cost and garbage). Weak: a labels object no source uses any more takes its answers
   * with it.
   */
  private byObject = new WeakMap<Labels, Map<string, WireLabels>>();
  private target = '';
  /** The target labels object last seen: a collection passes the same one for all its samples. */
  private targetObject: Labels | undefined;

  /** The wire labels of `name{sampleLabels}` under `targetLabels` (honor_labels); throws on an invalid name. */
  labelsOf(target: Labels, name: string, sampleLabels: Labels): WireLabels {
    if (target !== this.targetObject) this.useTarget(target);
    let byName = this.byObject.get(sampleLabels);
    if (byName === undefined) {
      byName = new Map();
      this.byObject.set(sampleLabels, byName);
    }
    let wire = byName.get(name);
    if (wire === undefined) {
      wire = this.labelsByText(target, name, sampleLabels);
      byName.set(name, wire);
    }
    return wire;
  }

  /** Ends a round: `keepUnused` keeps the label sets not used this round too (after a failed collection). */
  endRound(keepUnused: boolean): void {
    if (keepUnused) {
      for (const [inputKey, wire] of this.current) this.previous.set(inputKey, wire);
    } else {
      this.previous = this.current;
    }
    this.current = new Map();
  }

  private useTarget(target: Labels): void {
    // Compared by content once per target object, not once per sample (hundreds per collection).
    const targetKey = JSON.stringify(target);
    if (targetKey !== this.target) {
      this.previous = new Map();
      this.current = new Map();
      this.byObject = new WeakMap();
      this.target = targetKey;
    }
    this.targetObject = target;
  }

  private labelsByText(target: Labels, name: string, sampleLabels: Labels): WireLabels {
    // Metric names cannot contain NUL, so the name/labels boundary is unambiguous.
    const inputKey = `${name}\u0000${JSON.stringify(sampleLabels)}`;
    let wire = this.current.get(inputKey) ?? this.previous.get(inputKey);
    if (wire === undefined) {
      const labels = seriesLabels(name, honorLabels(target, stringsOnly(sampleLabels)));
      wire = { labels, key: seriesKey(labels) };
    }
    this.current.set(inputKey, wire);
    return wire;
  }
}

/** Label values that are not strings (a malformed metadata field that slipped through) are left out. */
function stringsOnly(labels: Labels): Labels {
  for (const value of Object.values(labels)) {
    if (typeof value !== 'string') return Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string'));
  }
  return labels;
}
