import { Token, aws_ecs as ecs } from 'aws-cdk-lib';
import { IValidation } from 'constructs';
import {
  Environment,
  Naming,
  VARIABLES,
  VariableName,
  VariableSpec,
  findProblem,
  parseVariable,
} from './environment-contract.generated';

/**
 * The construct's side of the environment contract: the runtime's own parser and rules, applied to
 * the environment the construct renders, with messages that name the property to change.
 */

/** Messages name the property that sets a variable, else the `environment` key it came from. */
export const PROP_NAMING: Naming = {
  name: variable => propOf(variable),
  on: variable => propOf(variable),
};

function propOf(variable: VariableName): string {
  const spec: VariableSpec = VARIABLES[variable];
  return spec.prop ?? `environment.${variable}`;
}

/** Stands in for values known only in the container: ECS's metadata URI, secrets and tokens. */
const UNKNOWN_VALUE = '<known at run time>';

/**
 * Throws the runtime's start-up error for this environment, if the runtime would refuse it. Secrets
 * and tokens count as set, their values are not checked.
 */
export function checkSidecarEnvironment(environment: Record<string, string>, secretNames: readonly string[]): void {
  const problem = sidecarEnvironmentProblem(environment, secretNames);
  if (problem !== undefined) throw new Error(problem);
}

function sidecarEnvironmentProblem(environment: Record<string, string>, secretNames: readonly string[]): string | undefined {
  const unknown = new Set<string>(['ECS_CONTAINER_METADATA_URI_V4', ...secretNames]);
  const env: Record<string, string> = { ECS_CONTAINER_METADATA_URI_V4: UNKNOWN_VALUE };
  for (const [name, value] of Object.entries(environment)) {
    env[name] = Token.isUnresolved(value) ? UNKNOWN_VALUE : value;
    if (Token.isUnresolved(value)) unknown.add(name);
  }
  for (const name of secretNames) env[name] = UNKNOWN_VALUE;
  return findProblem(env as Environment, { naming: PROP_NAMING, unknown });
}

/** Checks one rendered value as the runtime will parse it (tokens are checked at deploy time by nothing, so skipped). */
export function checkSidecarVariable(variable: VariableName, rendered: string): void {
  if (Token.isUnresolved(rendered)) return;
  const parsed = parseVariable(variable, rendered, PROP_NAMING);
  if ('problem' in parsed) throw new Error(parsed.problem);
}

/** Why a variable may not be set through `environment`; undefined when it may. */
export function managedVariableHint(name: string): string | undefined {
  if (!(name in VARIABLES)) return undefined;
  const spec: VariableSpec = VARIABLES[name as VariableName];
  if (spec.setByEcs) return 'ECS sets it in every container; remove it';
  if (spec.prop === undefined) return undefined;
  return spec.secret ? `use ${spec.prop} (an ecs.Secret) instead` : `use ${spec.prop} instead`;
}

/** Refuses managed variables among the `environment` prop. */
export function refuseManagedEnvironment(environment: { [key: string]: string }): void {
  for (const name of Object.keys(environment)) {
    const hint = managedVariableHint(name);
    if (hint !== undefined) {
      throw new Error(`environment must not set "${name}": it is managed for you; ${hint}`);
    }
  }
}

/**
 * Holds the container's environment to the contract at synthesis, so that what is added after the
 * construct (`container.addEnvironment`, `container.addSecret`) is checked too: a managed variable
 * may only carry the value the construct rendered, and the whole environment must be one the
 * runtime starts with.
 */
export class SidecarEnvironmentGuard implements IValidation {
  public constructor(
    private readonly container: ecs.ContainerDefinition,
    private readonly rendered: Readonly<Record<string, string>>,
    private readonly renderedSecrets: readonly string[],
  ) {}

  public validate(): string[] {
    const definition = this.container.renderContainerDefinition();
    const environment: Record<string, string> = {};
    for (const pair of (definition.environment ?? []) as ecs.CfnTaskDefinition.KeyValuePairProperty[]) {
      if (pair.name !== undefined) environment[pair.name] = pair.value ?? '';
    }
    const secretNames = ((definition.secrets ?? []) as ecs.CfnTaskDefinition.SecretProperty[]).map(secret => secret.name);

    const errors: string[] = [];
    for (const [name, value] of Object.entries(environment)) {
      const hint = managedVariableHint(name);
      if (hint !== undefined && this.rendered[name] !== value) {
        errors.push(`The sidecar's environment variable "${name}" was changed after the AssertsSidecar was created: it is managed for you; ${hint}`);
      }
    }
    for (const name of secretNames) {
      const hint = managedVariableHint(name);
      if (hint !== undefined && !this.renderedSecrets.includes(name)) {
        errors.push(`The sidecar's secret "${name}" was added after the AssertsSidecar was created: it is managed for you; ${hint}`);
      }
    }
    if (errors.length > 0) return errors;
    const problem = sidecarEnvironmentProblem(environment, secretNames);
    return problem === undefined ? [] : [`The sidecar container's environment would stop the exporter at start: ${problem}`];
  }
}
