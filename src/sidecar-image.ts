import * as path from 'path';
import { aws_ecs as ecs } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';

/**
 * The exporter runtime's sources, shipped inside this package (`runtime/` next to `lib/` and `src/`).
 */
const RUNTIME_DIRECTORY = path.join(__dirname, '..', 'runtime');

/**
 * What the image build never needs. Excluding these keeps asset fingerprinting fast (it never
 * walks `runtime/node_modules`) and keeps the asset hash independent of local builds and test runs.
 * The runtime's own `.dockerignore` allow-list narrows the build context further.
 */
const EXCLUDED_FROM_IMAGE_CONTEXT = [
  'node_modules',
  'lib',
  'test',
  'coverage',
  'test-reports',
  'bench',
  'dist',
  '.jest-cache',
];

/**
 * Options for the bundled exporter image.
 */
export interface BundledRuntimeImageOptions {
  /**
   * CPU architecture the image is built for. It must match where the task runs: an ARM64
   * (Graviton) task needs an ARM64 image.
   *
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
}

/**
 * Container images for the exporter sidecar.
 */
export class SidecarImage {
  /**
   * The exporter runtime bundled with this library, built from its `runtime/` folder by
   * `ecs.ContainerImage.fromAsset` when the stack is deployed (synthesis needs no Docker).
   */
  public static fromBundledRuntime(options: BundledRuntimeImageOptions = {}): ecs.ContainerImage {
    return ecs.ContainerImage.fromAsset(RUNTIME_DIRECTORY, {
      platform: platformFor(options.cpuArchitecture ?? ecs.CpuArchitecture.X86_64),
      exclude: EXCLUDED_FROM_IMAGE_CONTEXT,
    });
  }

  private constructor() {}
}

function platformFor(cpuArchitecture: ecs.CpuArchitecture): Platform {
  switch (cpuArchitecture._cpuArchitecture) {
    case ecs.CpuArchitecture.ARM64._cpuArchitecture:
      return Platform.LINUX_ARM64;
    case ecs.CpuArchitecture.X86_64._cpuArchitecture:
      return Platform.LINUX_AMD64;
    default:
      throw new Error(
        `cpuArchitecture must be ecs.CpuArchitecture.X86_64 or ecs.CpuArchitecture.ARM64, got "${cpuArchitecture._cpuArchitecture}"`,
      );
  }
}
