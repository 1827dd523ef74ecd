import { Token } from 'aws-cdk-lib';

/** The parts of an Amazon Managed Service for Prometheus remote-write URL. */
export interface AmpRemoteWriteUrl {
  readonly region: string;
  readonly workspaceId: string;
  /** `aws-cn` for the `amazonaws.com.cn` endpoints; else undefined (the stack's partition). */
  readonly partition?: string;
}

/**
 * `https://aps-workspaces.<region>.amazonaws.com/workspaces/<workspace-id>/api/v1/remote_write`,
 * also with the `-fips` endpoint variant and the China `.amazonaws.com.cn` domain.
 */
const AMP_REMOTE_WRITE_URL =
  /^https:\/\/aps-workspaces(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(\.cn)?\/workspaces\/(ws-[A-Za-z0-9-]+)\/api\/v1\/remote_write\/?$/;

/** Reads region and workspace from an AMP remote-write URL; undefined for tokens and other URLs. */
export function parseAmpRemoteWriteUrl(url: string): AmpRemoteWriteUrl | undefined {
  if (Token.isUnresolved(url)) return undefined;
  const match = AMP_REMOTE_WRITE_URL.exec(url);
  if (!match) return undefined;
  return { region: match[1], partition: match[2] ? 'aws-cn' : undefined, workspaceId: match[3] };
}
