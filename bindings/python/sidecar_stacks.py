"""Two ways to run the Asserts sidecar, written against the Python package of the construct."""
from aws_cdk import Duration, Stack, aws_ecs as ecs, aws_secretsmanager as secretsmanager
from constructs import Construct

from asserts_cdk_ecs_sidecar import AssertsSidecar, RemoteWriteOptions


class PassiveFargateStack(Stack):
    """Fargate on Graviton (ARM64), Passive mode: the central Asserts scraper finds the sidecar
    through its docker labels and scrapes it on port 8014."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=512,
            memory_limit_mib=1024,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        task_definition.add_container(
            "web",
            image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:stable"),
            port_mappings=[ecs.PortMapping(container_port=80)],
        )

        # The image is built for ARM64 from the task definition's runtime platform.
        self.sidecar = AssertsSidecar(task_definition, "Metrics")


class ActiveEc2Stack(Stack):
    """EC2 with bridge networking, Active mode: the sidecar remote-writes its task's metrics
    (and those of the labelled `api` container) to a Prometheus-compatible TSDB."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        task_definition = ecs.Ec2TaskDefinition(self, "Task", network_mode=ecs.NetworkMode.BRIDGE)
        task_definition.add_container(
            "api",
            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/httpd:2.4"),
            memory_limit_mib=256,
            port_mappings=[ecs.PortMapping(container_port=8080)],
            # The sidecar scrapes containers that carry the same two labels it carries itself.
            docker_labels={"PROMETHEUS_EXPORTER_PATH": "/metrics", "PROMETHEUS_EXPORTER_PORT": "8080"},
        )

        # An existing Secrets Manager secret; ECS injects it, so it never appears in the template.
        remote_write_password = secretsmanager.Secret.from_secret_name_v2(
            self, "RemoteWritePassword", "asserts/remote-write-password"
        )
        self.sidecar = AssertsSidecar(
            task_definition,
            "Metrics",
            remote_write=RemoteWriteOptions(
                url="https://prometheus.example.com/api/v1/write",
                username="team-payments",
                password=ecs.Secret.from_secrets_manager(remote_write_password),
            ),
            collect_interval=Duration.seconds(30),
        )
