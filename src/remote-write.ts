import { Duration, aws_ecs as ecs } from 'aws-cdk-lib';

/**
 * SigV4 request signing for Amazon Managed Service for Prometheus (AMP).
 *
 * The sidecar signs every remote-write request with the task role's credentials, and the construct
 * grants that role `aps:RemoteWrite` on the one workspace the URL names.
 */
export interface SigV4Options {
  /**
   * The AWS region the requests are signed for.
   *
   * @default - the region in the AMP remote-write URL
   * (`https://aps-workspaces.<region>.amazonaws.com/...`); when the URL is a token, the region of
   * `workspaceArn`; else the stack's region.
   */
  readonly region?: string;

  /**
   * ARN of the AMP workspace that receives the samples; the task role gets `aps:RemoteWrite` on it.
   *
   * Needed only when the workspace cannot be read from `url`: the URL is a token (for example built
   * from `CfnWorkspace.attrPrometheusEndpoint`) or not the standard AMP endpoint (a proxy).
   *
   * @default - parsed from the AMP remote-write URL
   * `https://aps-workspaces.<region>.amazonaws.com/workspaces/<workspace-id>/api/v1/remote_write`
   */
  readonly workspaceArn?: string;
}

/**
 * Where and how the sidecar remote-writes (Active mode).
 *
 * Credentials are `ecs.Secret`s: ECS injects them into the container at start, so they never appear
 * in the task definition, the CloudFormation template or the environment listing of the console.
 */
export interface RemoteWriteOptions {
  /**
   * The Prometheus remote-write endpoint, `http://` or `https://`.
   *
   * For example `https://prometheus-prod-01.grafana.net/api/prom/push` or
   * `https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1234/api/v1/remote_write`.
   */
  readonly url: string;

  /**
   * Basic-auth user name; also the value of the `tenant` label on every series.
   *
   * @default - no basic auth
   */
  readonly username?: string;

  /**
   * Basic-auth password, injected as the secret `remoteWrite_basicAuth_password`.
   * Requires `username`.
   *
   * @default - no password
   */
  readonly password?: ecs.Secret;

  /**
   * Bearer token sent as `Authorization: Bearer <token>`, injected as the secret
   * `remoteWrite_bearerToken`. Not together with `username`/`password` or `sigV4`.
   *
   * @default - no bearer token
   */
  readonly bearerToken?: ecs.Secret;

  /**
   * Disable TLS certificate verification for remote write (sets `SKIP_TLS_VERIFY=true`).
   * Only for test endpoints with self-signed certificates: synthesis warns when it is on.
   *
   * @default false
   */
  readonly skipTlsVerify?: boolean;

  /**
   * Sign requests with AWS SigV4 for Amazon Managed Service for Prometheus. Its presence turns
   * signing on, and grants the task role `aps:RemoteWrite` on the workspace.
   * Not together with `username`/`password` or `bearerToken`.
   *
   * @default - requests are not signed
   */
  readonly sigV4?: SigV4Options;

  /**
   * How often the sidecar scrapes the other containers of its task that carry the
   * `PROMETHEUS_EXPORTER_PATH`/`PROMETHEUS_EXPORTER_PORT` docker labels (environment
   * `scrapeInterval`).
   *
   * @default - the runtime's default, 15 seconds
   */
  readonly scrapeInterval?: Duration;
}
