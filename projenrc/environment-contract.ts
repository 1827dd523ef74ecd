/**
 * The environment contract between the construct and the exporter runtime: every variable the
 * runtime reads (name, kind of value, default, the mode that uses it, whether it is a secret, the
 * construct property that sets it), the rules between variables, and the one parser of each kind.
 *
 * This file is the single definition. projen copies it verbatim into
 * `src/private/environment-contract.generated.ts` (compiled by jsii with the construct) and
 * `runtime/src/environment-contract.generated.ts` (built into the sidecar image), because neither
 * side can import from outside its own folder. It must stay self-contained: no imports, no Node.js
 * or CDK APIs. test/environment-contract.test.ts proves both copies equal this file and feeds every
 * environment the construct synthesizes through the runtime's parser.
 *
 * Conventions of the runtime side: a variable whose value is empty or only blanks counts as unset;
 * booleans are `true`/`false` (any case); durations are Go style (`500ms`, `15s`, `1m30s`) or plain
 * seconds (`15`), positive, in whole milliseconds.
 */

/** The kinds of value a variable holds; each has one parser below. */
export type ValueKind = 'httpUrl' | 'text' | 'boolean' | 'port' | 'path' | 'duration' | 'count' | 'logLevel' | 'awsRegion';

/**
 * What a variable means outside Active mode (no `remoteWrite_url`):
 * `used` in both modes; `refused` (it configures remote write only, so setting it without a URL is a
 * mistake worth stopping for); `checked` (no effect, but its value must still parse); `ignored`.
 */
export type PassiveModeUse = 'used' | 'refused' | 'checked' | 'ignored';

export interface VariableSpec {
  readonly kind: ValueKind;
  /** The value when unset, in the parsed unit (durations in milliseconds). */
  readonly default?: string | number | boolean;
  readonly passive: PassiveModeUse;
  /** Injected as an ECS secret by the construct; never logged. */
  readonly secret: boolean;
  /** The construct property that sets it (the construct refuses it in `environment`). */
  readonly prop?: string;
  /** Set by ECS itself in every container (the construct refuses it in `environment`). */
  readonly setByEcs?: boolean;
  /** Variables read, in order, when this one is unset. */
  readonly fallback?: readonly string[];
  readonly description: string;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The sidecar's health endpoint (never behind basic auth, never the metrics path). */
export const HEALTH_PATH = '/health';

/** The variable whose presence selects Active mode. */
export const ACTIVE_MODE_VARIABLE = 'remoteWrite_url';

export const VARIABLES = {
  ECS_CONTAINER_METADATA_URI_V4: {
    kind: 'httpUrl',
    passive: 'used',
    secret: false,
    setByEcs: true,
    description: 'The ECS Task Metadata Endpoint v4; ECS sets it in every container.',
  },
  httpListenPort: {
    kind: 'port',
    default: 8014,
    passive: 'used',
    secret: false,
    prop: 'port',
    description: 'The port the metrics and /health are served on.',
  },
  metricsPath: {
    kind: 'path',
    default: '/container-stats/actuator/prometheus',
    passive: 'used',
    secret: false,
    prop: 'metricsPath',
    description: 'The HTTP path of the Prometheus exposition.',
  },
  collectInterval: {
    kind: 'duration',
    default: 15_000,
    passive: 'used',
    secret: false,
    prop: 'collectInterval',
    description: 'How often /task/stats is read.',
  },
  httpAuth_username: {
    kind: 'text',
    passive: 'used',
    secret: false,
    prop: 'httpAuthUsername',
    description: 'Basic-auth user required on the metrics endpoint (never on /health).',
  },
  httpAuth_password: {
    kind: 'text',
    passive: 'used',
    secret: true,
    prop: 'httpAuthPassword',
    description: 'Basic-auth password required on the metrics endpoint.',
  },
  logLevel: {
    kind: 'logLevel',
    default: 'info',
    passive: 'used',
    secret: false,
    description: 'Least severe log level written (debug, info, warn, error).',
  },
  disableExporterMetrics: {
    kind: 'boolean',
    default: false,
    passive: 'used',
    secret: false,
    prop: 'exporterMetrics',
    description: 'true drops the process_* and nodejs_* series of the exporter itself.',
  },
  maxSeriesPerCollection: {
    kind: 'count',
    default: 20_000,
    passive: 'used',
    secret: false,
    description: 'Upper bound of the container series one collection produces; the rest are dropped and counted.',
  },
  scrapeInterval: {
    kind: 'duration',
    default: 15_000,
    passive: 'checked',
    secret: false,
    prop: 'remoteWrite.scrapeInterval',
    description: 'How often the labelled containers of the task are scraped (Active mode).',
  },
  SKIP_TLS_VERIFY: {
    kind: 'boolean',
    default: false,
    passive: 'checked',
    secret: false,
    prop: 'remoteWrite.skipTlsVerify',
    description: 'true disables TLS certificate checks for remote write (the published example sets it in both modes).',
  },
  remoteWrite_url: {
    kind: 'httpUrl',
    passive: 'used',
    secret: false,
    prop: 'remoteWrite.url',
    description: 'The remote-write endpoint; its presence selects Active mode.',
  },
  remoteWrite_basicAuth_username: {
    kind: 'text',
    passive: 'refused',
    secret: false,
    prop: 'remoteWrite.username',
    description: 'Remote-write basic-auth user; also the tenant label value.',
  },
  remoteWrite_basicAuth_password: {
    kind: 'text',
    passive: 'refused',
    secret: true,
    prop: 'remoteWrite.password',
    description: 'Remote-write basic-auth password.',
  },
  remoteWrite_bearerToken: {
    kind: 'text',
    passive: 'refused',
    secret: true,
    prop: 'remoteWrite.bearerToken',
    description: 'Sent as Authorization: Bearer <token>.',
  },
  remoteWrite_tlsInsecureSkipVerify: {
    kind: 'boolean',
    default: false,
    passive: 'refused',
    secret: false,
    prop: 'remoteWrite.skipTlsVerify',
    description: 'vmagent\'s name for SKIP_TLS_VERIFY; either one true disables certificate checks.',
  },
  remoteWrite_tlsCAFile: {
    kind: 'text',
    passive: 'refused',
    secret: false,
    description: 'Extra CA bundle (PEM file) trusted for the remote-write endpoint.',
  },
  remoteWrite_aws_useSigv4: {
    kind: 'boolean',
    default: false,
    passive: 'refused',
    secret: false,
    prop: 'remoteWrite.sigV4',
    description: 'Sign remote-write requests with SigV4 (Amazon Managed Service for Prometheus).',
  },
  remoteWrite_aws_region: {
    kind: 'awsRegion',
    passive: 'refused',
    secret: false,
    prop: 'remoteWrite.sigV4.region',
    fallback: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    description: 'Region requests are signed for; else AWS_REGION, AWS_DEFAULT_REGION, else the task ARN\'s.',
  },
  AWS_REGION: {
    kind: 'awsRegion',
    passive: 'ignored',
    secret: false,
    description: 'The task\'s region (ECS sets it on Fargate); a fallback of remoteWrite_aws_region.',
  },
  AWS_DEFAULT_REGION: {
    kind: 'awsRegion',
    passive: 'ignored',
    secret: false,
    description: 'A fallback of remoteWrite_aws_region after AWS_REGION.',
  },
  remoteWrite_flushInterval: {
    kind: 'duration',
    default: 1_000,
    passive: 'refused',
    secret: false,
    description: 'Longest time a sample waits in the queue before it is sent (vmagent\'s default 1s).',
  },
  remoteWrite_maxPendingSamples: {
    // Sized for at least one hour of a 10-container task at default settings (~72,000 samples/h)
    // plus the scraped application series; runtime/test/queue-capacity.test.ts checks it.
    kind: 'count',
    default: 500_000,
    passive: 'refused',
    secret: false,
    description: 'Remote-write queue capacity in samples.',
  },
} as const satisfies Readonly<Record<string, VariableSpec>>;

export type VariableName = keyof typeof VARIABLES;
export const VARIABLE_NAMES = Object.keys(VARIABLES) as VariableName[];

/**
 * A rule between variables. "On" means set, and for a boolean: true. `requires`: when `variable` is
 * on, `other` must be set. `excludes`: when `variable` is on, none of `others` may be set.
 */
export type CombinationRule =
  | { readonly variable: VariableName; readonly requires: VariableName; readonly reason: string }
  | { readonly variable: VariableName; readonly excludes: readonly VariableName[]; readonly reason: string; readonly fix: string };

export const RULES: readonly CombinationRule[] = [
  { variable: 'httpAuth_username', requires: 'httpAuth_password', reason: 'basic auth needs both' },
  { variable: 'httpAuth_password', requires: 'httpAuth_username', reason: 'basic auth needs both' },
  { variable: 'remoteWrite_basicAuth_password', requires: 'remoteWrite_basicAuth_username', reason: 'basic auth sends both' },
  {
    variable: 'remoteWrite_bearerToken',
    excludes: ['remoteWrite_basicAuth_username', 'remoteWrite_basicAuth_password'],
    reason: 'both set the Authorization header',
    fix: 'keep one of them',
  },
  {
    variable: 'remoteWrite_aws_useSigv4',
    excludes: ['remoteWrite_basicAuth_username', 'remoteWrite_basicAuth_password', 'remoteWrite_bearerToken'],
    reason: 'SigV4 signs the Authorization header itself',
    fix: 'remove the other credentials',
  },
];

/** How a message names a variable: the runtime by its name, the construct by its property. */
export interface Naming {
  /** The variable as such (`remoteWrite_bearerToken` or `remoteWrite.bearerToken`). */
  name(variable: VariableName): string;
  /** The variable being on (`remoteWrite_aws_useSigv4=true` or `remoteWrite.sigV4`). */
  on(variable: VariableName): string;
}

export const VARIABLE_NAMING: Naming = {
  name: (variable) => variable,
  on: (variable) => (VARIABLES[variable].kind === 'boolean' ? `${variable}=true` : variable),
};

// ---------------------------------------------------------------------------------------------
// Values

interface KindValues {
  readonly httpUrl: string;
  readonly text: string;
  readonly boolean: boolean;
  readonly port: number;
  readonly path: string;
  readonly duration: number;
  readonly count: number;
  readonly logLevel: LogLevel;
  readonly awsRegion: string;
}

type Spec<K extends VariableName> = (typeof VARIABLES)[K];
export type ValueOf<K extends VariableName> = KindValues[Spec<K>['kind']];

/** Every variable parsed; those with a default are never undefined. */
export type ParsedEnvironment = {
  readonly [K in VariableName]: Spec<K> extends { readonly default: unknown } ? ValueOf<K> : ValueOf<K> | undefined;
};

/** A parse result: the value, or what is wrong with it (to follow the variable's name). */
type Parsed<T> = { readonly value: T } | { readonly problem: string };

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parse a Go-style duration (`500ms`, `15s`, `1m30s`, `1.5s`) or plain seconds (`15`, `0.5`) to
 * milliseconds; undefined when the text is neither.
 */
export function parseDuration(raw: string): number | undefined {
  const text = raw.trim();
  let total = 0;
  if (/^\d+(\.\d+)?$/.test(text)) {
    total = Number(text) * 1000;
  } else if (/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(text)) {
    for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
      total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
    }
  } else {
    return undefined;
  }
  // Decimal fractions are not exact in binary: 1.1s is 1100.0000000000002 ms before this rounding.
  return Math.round(total * 1000) / 1000;
}

/** Strip user:password from a URL before it goes into an error message or a log. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/[^/@\s]*@/, '//***@');
}

function quote(value: string): string {
  return JSON.stringify(value);
}

const PARSERS: { readonly [K in ValueKind]: (raw: string) => Parsed<KindValues[K]> } = {
  httpUrl: (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { problem: `must be an absolute http:// or https:// URL, got ${quote(redactUrl(raw))}` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { problem: `must use http:// or https://, got ${quote(redactUrl(raw))}` };
    }
    if (url.username !== '' || url.password !== '') {
      // Credentials in the URL would be logged with it and, from the construct, land in the template.
      return { problem: 'must not contain credentials; pass {remoteWrite_basicAuth_username} and {remoteWrite_basicAuth_password} instead' };
    }
    return { value: raw };
  },
  text: (raw) => ({ value: raw }),
  boolean: (raw) => {
    const lower = raw.toLowerCase();
    if (lower === 'true' || lower === 'false') return { value: lower === 'true' };
    return { problem: `must be true or false, got ${quote(raw)}` };
  },
  port: (raw) => {
    const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isInteger(port) && port >= 1 && port <= 65535) return { value: port };
    return { problem: `must be an integer between 1 and 65535, got ${quote(raw)}` };
  },
  path: (raw) => {
    if (!raw.startsWith('/')) return { problem: `must start with "/", got ${quote(raw)}; use ${quote(`/${raw}`)}` };
    if (/[\s?#]/.test(raw)) return { problem: `must be a plain URL path without whitespace, "?" or "#", got ${quote(raw)}` };
    if (raw === HEALTH_PATH) return { problem: `must not be "${HEALTH_PATH}": the sidecar serves its health check there; choose another path` };
    return { value: raw };
  },
  duration: (raw) => {
    const ms = parseDuration(raw);
    if (ms !== undefined && ms > 0 && Number.isInteger(ms)) return { value: ms };
    return { problem: `must be a positive duration in whole milliseconds such as "15s", "500ms", "1m" or plain seconds "15", got ${quote(raw)}` };
  },
  count: (raw) => {
    const count = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(count) && count >= 1) return { value: count };
    return { problem: `must be a positive integer, got ${quote(raw)}` };
  },
  logLevel: (raw) => {
    const lower = raw.toLowerCase();
    const level = LOG_LEVELS.find((l) => l === lower);
    return level ? { value: level } : { problem: `must be one of ${LOG_LEVELS.join('|')}, got ${quote(raw)}` };
  },
  awsRegion: (raw) => (/^[a-z]{2,}(-[a-z]+)+-\d+$/.test(raw) ? { value: raw } : { problem: `must be an AWS region such as "us-east-1", got ${quote(raw)}` }),
};

/** Replace `{variable}` placeholders with the variable's name as the naming gives it. */
function named(text: string, naming: Naming): string {
  return text.replace(/\{(\w+)\}/g, (_, variable: string) => (variable in VARIABLES ? naming.name(variable as VariableName) : variable));
}

/** The value of one variable, or a one-line problem that names it. Empty text counts as unset. */
export function parseVariable<K extends VariableName>(
  variable: K,
  raw: string | undefined,
  naming: Naming = VARIABLE_NAMING,
): { readonly value: ValueOf<K> | undefined } | { readonly problem: string } {
  const text = raw?.trim();
  if (text === undefined || text === '') {
    const spec: VariableSpec = VARIABLES[variable];
    return { value: spec.default as ValueOf<K> | undefined };
  }
  const parsed = (PARSERS[VARIABLES[variable].kind] as (raw: string) => Parsed<ValueOf<K>>)(text);
  return 'problem' in parsed ? { problem: `${naming.name(variable)} ${named(parsed.problem, naming)}` } : parsed;
}

// ---------------------------------------------------------------------------------------------
// The whole environment

export type Environment = Readonly<Record<string, string | undefined>>;

export interface CheckOptions {
  /** How messages name variables. @default VARIABLE_NAMING */
  readonly naming?: Naming;
  /**
   * Variables that are set but whose value is not known (an ECS secret, a deploy-time token): their
   * value is not checked and a boolean among them counts as off.
   */
  readonly unknown?: ReadonlySet<string>;
}

function isSet(env: Environment, variable: string): boolean {
  const raw = env[variable];
  return raw !== undefined && raw.trim() !== '';
}

/** The first problem of an environment (values, then rules), as one line naming the variable; undefined when it is usable. */
export function findProblem(env: Environment, options: CheckOptions = {}): string | undefined {
  const naming = options.naming ?? VARIABLE_NAMING;
  const unknown = options.unknown ?? new Set<string>();
  const active = isSet(env, ACTIVE_MODE_VARIABLE);
  if (!isSet(env, 'ECS_CONTAINER_METADATA_URI_V4') && !unknown.has('ECS_CONTAINER_METADATA_URI_V4')) {
    return 'ECS_CONTAINER_METADATA_URI_V4 is not set: run the exporter as a container of an ECS task (ECS sets it), or point it at a simulated task';
  }
  for (const variable of VARIABLE_NAMES) {
    const spec: VariableSpec = VARIABLES[variable];
    if (!isSet(env, variable)) continue;
    if (!active && spec.passive === 'ignored') continue;
    if (!active && spec.passive === 'refused') {
      const url = naming.name(ACTIVE_MODE_VARIABLE);
      return `${naming.name(variable)} is set but ${url} is not: set ${url} to enable remote write, or remove ${naming.name(variable)}`;
    }
    if (unknown.has(variable)) continue;
    const parsed = parseVariable(variable, env[variable], naming);
    if ('problem' in parsed) return parsed.problem;
  }
  const on = (variable: VariableName): boolean => {
    if (!isSet(env, variable)) return false;
    if (VARIABLES[variable].kind !== 'boolean') return true;
    if (unknown.has(variable)) return false;
    const parsed = parseVariable(variable, env[variable]);
    return 'value' in parsed && parsed.value === true;
  };
  for (const rule of RULES) {
    if (!on(rule.variable)) continue;
    if ('requires' in rule) {
      if (!isSet(env, rule.requires)) {
        return `${naming.on(rule.variable)} requires ${naming.name(rule.requires)}: ${rule.reason}; ` +
          `set ${naming.name(rule.requires)} or remove ${naming.name(rule.variable)}`;
      }
      continue;
    }
    const conflicts = rule.excludes.filter((other) => isSet(env, other));
    if (conflicts.length > 0) {
      return `${naming.on(rule.variable)} cannot be combined with ${conflicts.map((c) => naming.name(c)).join(' and ')}: ${rule.reason}; ${rule.fix}`;
    }
  }
  return undefined;
}

/** Parse the whole environment: every variable's value (defaults applied), or the first problem. */
export function parseEnvironment(env: Environment): { readonly values: ParsedEnvironment } | { readonly problem: string } {
  const problem = findProblem(env);
  if (problem !== undefined) return { problem };
  const values: Record<string, unknown> = {};
  const valueOf = (variable: VariableName): unknown => {
    const parsed = parseVariable(variable, env[variable]);
    // findProblem skips the values of variables that the current mode ignores: leave those unset.
    return 'value' in parsed ? parsed.value : undefined;
  };
  for (const variable of VARIABLE_NAMES) {
    const spec: VariableSpec = VARIABLES[variable];
    values[variable] = [variable, ...(spec.fallback ?? [])].map((name) => valueOf(name as VariableName)).find((value) => value !== undefined);
  }
  return { values: values as ParsedEnvironment };
}
