package io.asserts.examples;

import io.asserts.cdk.ecssidecar.AssertsSidecar;
import java.util.List;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuArchitecture;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.OperatingSystemFamily;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.RuntimePlatform;
import software.constructs.Construct;

/**
 * Fargate on Graviton (ARM64), Passive mode: the central Asserts scraper finds the sidecar through
 * its docker labels and scrapes it on port 8014.
 */
public class PassiveFargateStack extends Stack {
    private final AssertsSidecar sidecar;

    public PassiveFargateStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);

        FargateTaskDefinition taskDefinition = FargateTaskDefinition.Builder.create(this, "Task")
                .cpu(512)
                .memoryLimitMiB(1024)
                .runtimePlatform(RuntimePlatform.builder()
                        .cpuArchitecture(CpuArchitecture.ARM64)
                        .operatingSystemFamily(OperatingSystemFamily.LINUX)
                        .build())
                .build();
        taskDefinition.addContainer("web", ContainerDefinitionOptions.builder()
                .image(ContainerImage.fromRegistry("public.ecr.aws/nginx/nginx:stable"))
                .portMappings(List.of(PortMapping.builder().containerPort(80).build()))
                .build());

        // The image is built for ARM64 from the task definition's runtime platform.
        sidecar = AssertsSidecar.Builder.create(taskDefinition, "Metrics").build();
    }

    public AssertsSidecar getSidecar() {
        return sidecar;
    }
}
