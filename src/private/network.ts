import { aws_ecs as ecs } from 'aws-cdk-lib';

/**
 * The sidecar's port mapping: the container port only. The host port follows from the network mode,
 * and ecs.ContainerDefinition knows those rules (its PortMap validation and host-port defaults):
 *
 * - awsvpc and host: the host port is the container port (ECS fills it in).
 * - bridge: host port 0 lets Docker pick a free ephemeral port, so several tasks with the sidecar
 *   fit on one instance; the central discovery reads the real host port from the task's network
 *   bindings, and the docker label keeps naming the container port.
 *
 * What is left here are the network modes the sidecar cannot work in at all.
 */
export function sidecarPortMapping(networkMode: ecs.NetworkMode, port: number): ecs.PortMapping {
  switch (networkMode) {
    case ecs.NetworkMode.AWS_VPC:
    case ecs.NetworkMode.HOST:
    case ecs.NetworkMode.BRIDGE:
      return { containerPort: port, protocol: ecs.Protocol.TCP };
    case ecs.NetworkMode.NONE:
      throw new Error(
        'The task definition uses network mode "none": the sidecar could neither reach the ECS metadata endpoint nor be scraped; use awsvpc, bridge or host',
      );
    case ecs.NetworkMode.NAT:
      throw new Error(
        'The task definition uses network mode "nat", which is for Windows containers; the sidecar supports Linux tasks only (awsvpc, bridge or host)',
      );
    default:
      throw new Error(
        `Unsupported network mode "${networkMode}" for the sidecar; use awsvpc, bridge or host`,
      );
  }
}
