"""The sidecar on every task definition of a stack in one line, written against the Python package."""
from aws_cdk import AspectPriority, Aspects, Duration, Stack, aws_ecs as ecs
from constructs import Construct

from asserts_cdk_ecs_sidecar import AssertsSidecar, AssertsSidecarAspect, RemoteWriteOptions


class AspectAppStack(Stack):
    """Four services' task definitions: the aspect adds the sidecar to the Fargate and the EC2 one,
    leaves the one that has a sidecar already as it is and skips the Windows one with a warning."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        image = ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:stable")
        ecs.FargateTaskDefinition(self, "FargateTask").add_container("web", image=image)
        ecs.Ec2TaskDefinition(self, "BridgeTask", network_mode=ecs.NetworkMode.BRIDGE).add_container(
            "web", image=image, memory_reservation_mib=128
        )
        instrumented = ecs.FargateTaskDefinition(self, "InstrumentedTask")
        instrumented.add_container("web", image=image)
        AssertsSidecar(instrumented, "Metrics", container_name="hand-made-exporter", port=9000)
        ecs.FargateTaskDefinition(
            self,
            "WindowsTask",
            cpu=1024,
            memory_limit_mib=2048,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE,
            ),
        ).add_container(
            "web",
            image=ecs.ContainerImage.from_registry("mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022"),
        )

        # Every task definition of the stack without a sidecar gets one; MUTATING runs it before
        # aspects that only read the tree.
        Aspects.of(self).add(
            AssertsSidecarAspect(
                remote_write=RemoteWriteOptions(url="https://prometheus.example.com/api/v1/write"),
                exporter_metrics=False,
                restart_attempt_period=Duration.minutes(2),
            ),
            priority=AspectPriority.MUTATING,
        )
