package io.asserts.examples;

import io.asserts.cdk.ecssidecar.AssertsSidecar;
import io.asserts.cdk.ecssidecar.RemoteWriteOptions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.Ec2TaskDefinition;
import software.amazon.awscdk.services.ecs.NetworkMode;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.constructs.Construct;

/**
 * EC2 with bridge networking, Active mode: the sidecar remote-writes its task's metrics (and those
 * of the labelled {@code api} container) to a Prometheus-compatible TSDB.
 */
public class ActiveEc2Stack extends Stack {
    private final AssertsSidecar sidecar;

    public ActiveEc2Stack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);

        Ec2TaskDefinition taskDefinition = Ec2TaskDefinition.Builder.create(this, "Task")
                .networkMode(NetworkMode.BRIDGE)
                .build();
        taskDefinition.addContainer("api", ContainerDefinitionOptions.builder()
                .image(ContainerImage.fromRegistry("public.ecr.aws/docker/library/httpd:2.4"))
                .memoryLimitMiB(256)
                .portMappings(List.of(PortMapping.builder().containerPort(8080).build()))
                // The sidecar scrapes containers that carry the same two labels it carries itself.
                .dockerLabels(Map.of("PROMETHEUS_EXPORTER_PATH", "/metrics", "PROMETHEUS_EXPORTER_PORT", "8080"))
                .build());

        // An existing Secrets Manager secret; ECS injects it, so it never appears in the template.
        ISecret remoteWritePassword = software.amazon.awscdk.services.secretsmanager.Secret
                .fromSecretNameV2(this, "RemoteWritePassword", "asserts/remote-write-password");
        sidecar = AssertsSidecar.Builder.create(taskDefinition, "Metrics")
                .remoteWrite(RemoteWriteOptions.builder()
                        .url("https://prometheus.example.com/api/v1/write")
                        .username("team-payments")
                        .password(Secret.fromSecretsManager(remoteWritePassword))
                        .build())
                .collectInterval(Duration.seconds(30))
                .build();
    }

    public AssertsSidecar getSidecar() {
        return sidecar;
    }
}
