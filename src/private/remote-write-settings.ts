import { Arn, ArnFormat, Stack, Token, aws_ecs as ecs } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { parseAmpRemoteWriteUrl } from './amp-workspace';
import { checkSidecarEnvironment, checkSidecarVariable } from './sidecar-environment';
import { intervalWarning, renderInterval, validateUserName } from './validation';
import { RemoteWriteOptions } from '../remote-write';

/** What Active mode adds to the container, derived from `RemoteWriteOptions`. */
export interface RemoteWriteSettings {
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
  /** The AMP workspace the task role may write to, when SigV4 is on. */
  readonly ampWorkspaceArn?: string;
  /** Synthesis warnings (id suffix → message). */
  readonly warnings: Record<string, string>;
}

/**
 * Validates the remote-write options and renders them into the runtime's environment contract
 * (vmagent flag names). Credentials only ever become ECS secrets, never plain environment values.
 * `base` is the rest of the sidecar's environment: the contract's rules are checked on the whole.
 */
export function remoteWriteSettings(
  scope: IConstruct,
  options: RemoteWriteOptions,
  base: { readonly environment: Record<string, string>; readonly secretNames: readonly string[] },
): RemoteWriteSettings {
  validateUserName('remoteWrite.username', options.username);

  const environment: Record<string, string> = { remoteWrite_url: options.url };
  const secrets: Record<string, ecs.Secret> = {};
  const warnings: Record<string, string> = {};

  if (options.username !== undefined) environment.remoteWrite_basicAuth_username = options.username;
  if (options.password) secrets.remoteWrite_basicAuth_password = options.password;
  if (options.bearerToken) secrets.remoteWrite_bearerToken = options.bearerToken;
  if (options.skipTlsVerify === true) {
    environment.SKIP_TLS_VERIFY = 'true';
    warnings.skipTlsVerify =
      'remoteWrite.skipTlsVerify is true: the sidecar accepts any TLS certificate from the remote-write endpoint, so credentials and metrics can be intercepted. Use it only for test endpoints.';
  }
  if (options.scrapeInterval) {
    environment.scrapeInterval = renderInterval('remoteWrite.scrapeInterval', options.scrapeInterval);
    const warning = intervalWarning('remoteWrite.scrapeInterval', options.scrapeInterval);
    if (warning) warnings.scrapeIntervalBelowOneSecond = warning;
  }
  if (options.sigV4) environment.remoteWrite_aws_useSigv4 = 'true';
  // The whole environment as the runtime will check it, before SigV4 looks for the workspace in the URL.
  checkSidecarEnvironment({ ...base.environment, ...environment }, [...base.secretNames, ...Object.keys(secrets)]);
  const usesBasicAuth = options.username !== undefined || options.password !== undefined;

  const sendsCredentials = usesBasicAuth || options.bearerToken !== undefined;
  if (sendsCredentials && !Token.isUnresolved(options.url) && options.url.startsWith('http://')) {
    warnings.plainHttpCredentials =
      `remoteWrite.url "${options.url}" is plain http: the remote-write credentials travel unencrypted. Use https://.`;
  }

  let ampWorkspaceArn: string | undefined;
  if (options.sigV4) {
    const sigV4 = resolveSigV4(scope, options.url, options.sigV4.region, options.sigV4.workspaceArn);
    checkSidecarVariable('remoteWrite_aws_region', sigV4.region);
    environment.remoteWrite_aws_region = sigV4.region;
    ampWorkspaceArn = sigV4.workspaceArn;
  }

  return { environment, secrets, ampWorkspaceArn, warnings };
}

function resolveSigV4(
  scope: IConstruct,
  url: string,
  regionOption: string | undefined,
  workspaceArnOption: string | undefined,
): { region: string; workspaceArn: string } {
  const stack = Stack.of(scope);
  const fromUrl = parseAmpRemoteWriteUrl(url);

  if (workspaceArnOption !== undefined) {
    if (!Token.isUnresolved(workspaceArnOption) && !/^arn:aws[a-z-]*:aps:[a-z0-9-]+:\d{12}:workspace\/ws-[A-Za-z0-9-]+$/.test(workspaceArnOption)) {
      throw new Error(
        `remoteWrite.sigV4.workspaceArn must be an AMP workspace ARN like "arn:aws:aps:us-east-1:123456789012:workspace/ws-1234", got "${workspaceArnOption}"`,
      );
    }
    const arnRegion = Arn.split(workspaceArnOption, ArnFormat.SLASH_RESOURCE_NAME).region;
    return { region: regionOption ?? fromUrl?.region ?? arnRegion ?? stack.region, workspaceArn: workspaceArnOption };
  }

  if (!fromUrl) {
    const shown = Token.isUnresolved(url) ? 'a token' : `"${url}"`;
    throw new Error(
      `remoteWrite.sigV4 needs the AMP workspace to grant aps:RemoteWrite on, but remoteWrite.url is ${shown}, not ` +
      '"https://aps-workspaces.<region>.amazonaws.com/workspaces/<workspace-id>/api/v1/remote_write"; set remoteWrite.sigV4.workspaceArn',
    );
  }
  if (regionOption !== undefined && !Token.isUnresolved(regionOption) && regionOption !== fromUrl.region) {
    throw new Error(
      `remoteWrite.sigV4.region is "${regionOption}" but the AMP URL is in "${fromUrl.region}"; requests must be signed for the workspace's region, so remove sigV4.region or fix it`,
    );
  }
  const workspaceArn = stack.formatArn({
    partition: fromUrl.partition,
    service: 'aps',
    region: fromUrl.region,
    resource: 'workspace',
    resourceName: fromUrl.workspaceId,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  return { region: fromUrl.region, workspaceArn };
}
