package io.asserts.examples;

import io.asserts.cdk.ecssidecar.AssertsSidecar;
import io.asserts.cdk.ecssidecar.AssertsSidecarAspect;
import io.asserts.cdk.ecssidecar.RemoteWriteOptions;
import software.amazon.awscdk.AspectOptions;
import software.amazon.awscdk.AspectPriority;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuArchitecture;
import software.amazon.awscdk.services.ecs.Ec2TaskDefinition;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.NetworkMode;
import software.amazon.awscdk.services.ecs.OperatingSystemFamily;
import software.amazon.awscdk.services.ecs.RuntimePlatform;
import software.constructs.Construct;

/**
 * Four services' task definitions: the aspect adds the sidecar to the Fargate and the EC2 one, leaves
 * the one that has a sidecar already as it is and skips the Windows one with a warning.
 */
public class AspectAppStack extends Stack {

    public AspectAppStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);

        ContainerImage image = ContainerImage.fromRegistry("public.ecr.aws/nginx/nginx:stable");
        FargateTaskDefinition.Builder.create(this, "FargateTask").build()
                .addContainer("web", ContainerDefinitionOptions.builder().image(image).build());
        Ec2TaskDefinition.Builder.create(this, "BridgeTask").networkMode(NetworkMode.BRIDGE).build()
                .addContainer("web", ContainerDefinitionOptions.builder().image(image).memoryReservationMiB(128).build());
        FargateTaskDefinition instrumented = FargateTaskDefinition.Builder.create(this, "InstrumentedTask").build();
        instrumented.addContainer("web", ContainerDefinitionOptions.builder().image(image).build());
        AssertsSidecar.Builder.create(instrumented, "Metrics").containerName("hand-made-exporter").port(9000).build();
        FargateTaskDefinition.Builder.create(this, "WindowsTask")
                .cpu(1024)
                .memoryLimitMiB(2048)
                .runtimePlatform(RuntimePlatform.builder()
                        .cpuArchitecture(CpuArchitecture.X86_64)
                        .operatingSystemFamily(OperatingSystemFamily.WINDOWS_SERVER_2022_CORE)
                        .build())
                .build()
                .addContainer("web", ContainerDefinitionOptions.builder()
                        .image(ContainerImage.fromRegistry("mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022"))
                        .build());

        // Every task definition of the stack without a sidecar gets one; MUTATING runs it before
        // aspects that only read the tree.
        Aspects.of(this).add(
                AssertsSidecarAspect.Builder.create()
                        .remoteWrite(RemoteWriteOptions.builder().url("https://prometheus.example.com/api/v1/write").build())
                        .exporterMetrics(false)
                        .restartAttemptPeriod(Duration.minutes(2))
                        .build(),
                AspectOptions.builder().priority(AspectPriority.MUTATING).build());
    }
}
