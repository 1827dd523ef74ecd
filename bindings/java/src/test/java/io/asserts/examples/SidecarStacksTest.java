package io.asserts.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.asserts.cdk.ecssidecar.AssertsSidecar;
import io.asserts.cdk.ecssidecar.SidecarMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.jsii.JsiiException;

/**
 * The Java package of the construct, installed from the jar jsii-pacmak built, synthesizes the
 * sidecar: container definition, discovery labels, secrets, IAM and the bundled runtime image asset.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SidecarStacksTest {
    private static final String SIDECAR_NAME = "ecs-dockerstats-exporter";
    private static final String METRICS_PATH = "/container-stats/actuator/prometheus";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path REPO_ROOT = Path.of(System.getProperty("repository.root", "../..")).normalize();
    private static final Path REPO_RUNTIME_DIR = REPO_ROOT.resolve("runtime");
    private static final Path TYPESCRIPT_TWINS = REPO_ROOT.resolve("bindings/parity/typescript-stacks.js");

    private PassiveFargateStack passive;
    private JsonNode passiveTemplate;
    private ActiveEc2Stack active;
    private JsonNode activeTemplate;

    @BeforeAll
    void synthesize() {
        passive = new PassiveFargateStack(new App(), "PassiveFargateArm64", null);
        passiveTemplate = JSON.valueToTree(Template.fromStack(passive).toJSON());
        active = new ActiveEc2Stack(new App(), "ActiveEc2", null);
        activeTemplate = JSON.valueToTree(Template.fromStack(active).toJSON());
    }

    // --- Passive mode on Fargate ARM64 ------------------------------------------------------------

    @Test
    void passiveSidecarExposesItsDefaultsThroughTheJavaGetters() {
        AssertsSidecar sidecar = passive.getSidecar();
        assertEquals(SidecarMode.PASSIVE, sidecar.getMode());
        assertEquals(8014, sidecar.getPort().intValue());
        assertEquals(METRICS_PATH, sidecar.getMetricsPath());
        assertEquals(SIDECAR_NAME, sidecar.getContainer().getContainerName());
        assertNotNull(sidecar.getLogGroup());
    }

    @Test
    void passiveFargateSidecarCarriesTheDiscoveryLabelsAndPort() {
        Template.fromStack(passive).hasResourceProperties("AWS::ECS::TaskDefinition", Map.of(
                "RequiresCompatibilities", List.of("FARGATE"),
                "NetworkMode", "awsvpc",
                "RuntimePlatform", Map.of("CpuArchitecture", "ARM64", "OperatingSystemFamily", "LINUX"),
                "ContainerDefinitions", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Name", SIDECAR_NAME,
                        "Essential", false,
                        "PortMappings", List.of(Map.of("ContainerPort", 8014, "Protocol", "tcp")),
                        "DockerLabels", Map.of(
                                "PROMETHEUS_EXPORTER_PATH", METRICS_PATH,
                                "PROMETHEUS_EXPORTER_PORT", "8014"),
                        "User", "1000",
                        "ReadonlyRootFilesystem", true))))));
    }

    @Test
    void passiveSidecarHasNoRemoteWriteSettingsAndNoApiPermissions() {
        JsonNode sidecar = sidecarDefinition(passiveTemplate);
        assertTrue(environmentOf(sidecar).keySet().stream().noneMatch(name -> name.startsWith("remoteWrite_")));
        assertFalse(sidecar.has("Secrets"));
        JsonNode taskRoleArn = taskDefinitionProperties(passiveTemplate).get("TaskRoleArn");
        if (taskRoleArn != null) {
            assertTrue(grantedActions(passiveTemplate, taskRoleArn).keySet().stream()
                    .noneMatch(action -> action.startsWith("ecs:") || action.startsWith("ec2:")));
        }
    }

    // --- Active mode on EC2 (bridge) --------------------------------------------------------------

    @Test
    void activeEc2SidecarGetsRemoteWriteEnvironmentAndADynamicHostPort() {
        assertEquals(SidecarMode.ACTIVE, active.getSidecar().getMode());
        JsonNode properties = taskDefinitionProperties(activeTemplate);
        assertEquals("bridge", properties.get("NetworkMode").asText());
        JsonNode sidecar = sidecarDefinition(activeTemplate);
        Map<String, String> environment = environmentOf(sidecar);
        assertEquals("https://prometheus.example.com/api/v1/write", environment.get("remoteWrite_url"));
        assertEquals("team-payments", environment.get("remoteWrite_basicAuth_username"));
        assertEquals("30s", environment.get("collectInterval"));
        assertEquals(0, sidecar.at("/PortMappings/0/HostPort").asInt(-1));
        assertEquals(8014, sidecar.at("/PortMappings/0/ContainerPort").asInt());
        assertEquals(112, sidecar.get("MemoryReservation").asInt());
        assertEquals(METRICS_PATH, sidecar.at("/DockerLabels/PROMETHEUS_EXPORTER_PATH").asText());
        assertEquals("8014", sidecar.at("/DockerLabels/PROMETHEUS_EXPORTER_PORT").asText());
    }

    @Test
    void activePasswordIsAnEcsSecretNeverAPlainValue() {
        JsonNode sidecar = sidecarDefinition(activeTemplate);
        JsonNode secrets = sidecar.get("Secrets");
        assertEquals(1, secrets.size());
        assertEquals("remoteWrite_basicAuth_password", secrets.at("/0/Name").asText());
        assertTrue(secrets.at("/0/ValueFrom").toString().contains("secret:asserts/remote-write-password"));
        assertTrue(environmentOf(sidecar).keySet().stream().noneMatch(name -> name.toLowerCase().contains("password")));

        Map<String, JsonNode> executionGrants =
                grantedActions(activeTemplate, taskDefinitionProperties(activeTemplate).get("ExecutionRoleArn"));
        assertTrue(executionGrants.get("secretsmanager:GetSecretValue").toString()
                .contains("secret:asserts/remote-write-password"));
    }

    @Test
    void activeTaskRoleMayDescribeTasksTaskDefinitionsAndSubnets() {
        Map<String, JsonNode> granted =
                grantedActions(activeTemplate, taskDefinitionProperties(activeTemplate).get("TaskRoleArn"));
        assertTrue(granted.keySet().containsAll(
                Set.of("ecs:DescribeTasks", "ecs:DescribeTaskDefinition", "ec2:DescribeSubnets")), granted.toString());
        // DescribeTasks is scoped to task ARNs; the other two accept no resource-level permissions.
        assertTrue(granted.get("ecs:DescribeTasks").toString().contains(":task/*"));
        assertEquals("*", granted.get("ecs:DescribeTaskDefinition").asText());
        assertEquals("*", granted.get("ec2:DescribeSubnets").asText());
    }

    // --- Validation crosses the language boundary ---------------------------------------------------

    @Test
    void invalidPortIsRefusedWithAMessageNamingTheProperty() {
        Stack stack = new Stack(new App(), "Invalid");
        FargateTaskDefinition taskDefinition = FargateTaskDefinition.Builder.create(stack, "Task").build();
        JsiiException error = assertThrows(JsiiException.class,
                () -> AssertsSidecar.Builder.create(taskDefinition, "Metrics").port(70000).build());
        assertTrue(error.getMessage().matches("(?s).*port must be .*between 1 and 65535, got \"70000\".*"), error.getMessage());
    }

    // --- The CDK app and its bundled image asset ------------------------------------------------------

    @Test
    void appMainSynthesizesEveryStack() {
        SidecarApp.main(new String[0]);
    }

    @ParameterizedTest
    @CsvSource({"PassiveFargateArm64, linux/arm64", "ActiveEc2, linux/amd64"})
    void appBundlesTheRuntimeFromTheInstalledPackageAsTheSidecarImage(
            final String stackName, final String dockerPlatform, @TempDir final Path outdir) throws IOException {
        App app = App.Builder.create().outdir(outdir.toString()).build();
        new PassiveFargateStack(app, "PassiveFargateArm64", null);
        new ActiveEc2Stack(app, "ActiveEc2", null);
        app.synth();

        JsonNode dockerImages = JSON.readTree(outdir.resolve(stackName + ".assets.json").toFile()).get("dockerImages");
        assertEquals(1, dockerImages.size(), "the sidecar image is the stack's only docker image asset");
        String assetHash = dockerImages.fieldNames().next();
        JsonNode source = dockerImages.get(assetHash).get("source");
        assertEquals(dockerPlatform, source.get("platform").asText());

        // The task definition runs exactly that asset.
        JsonNode template = JSON.readTree(outdir.resolve(stackName + ".template.json").toFile());
        String image = sidecarDefinition(template).get("Image").toString();
        assertTrue(image.contains(":" + assetHash + "\""), image);

        // The staged build context is the runtime folder shipped inside the jar: the files the
        // Dockerfile copies are there, byte for byte the repository's, and nothing built or installed.
        Path context = outdir.resolve(source.get("directory").asText());
        List<String> staged;
        try (Stream<Path> files = Files.walk(context)) {
            staged = files.filter(Files::isRegularFile)
                    .map(file -> context.relativize(file).toString().replace('\\', '/'))
                    .sorted()
                    .collect(Collectors.toList());
        }
        for (String required : List.of("Dockerfile", "package.json", "package-lock.json", "tsconfig.json")) {
            assertTrue(staged.contains(required), required + " missing from the bundled runtime: " + staged);
        }
        assertTrue(staged.stream().anyMatch(file -> file.startsWith("src/") && file.endsWith(".ts")), staged.toString());
        assertTrue(staged.stream().noneMatch(file -> Set.of("node_modules", "lib", "test", "coverage", "bench")
                .contains(file.split("/")[0])), staged.toString());
        for (String file : staged) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(context.resolve(file)),
                    Files.readAllBytes(REPO_RUNTIME_DIR.resolve(file))), file + " differs from runtime/" + file);
        }
        assertEquals("asserts-ecs-exporter",
                JSON.readTree(context.resolve("package.json").toFile()).get("name").asText());
    }

    // --- Same result as TypeScript -------------------------------------------------------------------

    @Test
    void javaSynthesizesTheSameTemplatesAsTypeScript(@TempDir final Path javaOut, @TempDir final Path typescriptOut)
            throws IOException, InterruptedException {
        App app = App.Builder.create().outdir(javaOut.toString()).build();
        new PassiveFargateStack(app, "PassiveFargateArm64", null);
        new ActiveEc2Stack(app, "ActiveEc2", null);
        new AspectAppStack(app, "AspectApp", null);
        app.synth();

        // The same stacks written in TypeScript against the compiled library (bindings/parity).
        Process twins = new ProcessBuilder("node", TYPESCRIPT_TWINS.toString(), typescriptOut.toString())
                .redirectErrorStream(true)
                .start();
        String twinsOutput = new String(twins.getInputStream().readAllBytes());
        assertEquals(0, twins.waitFor(), twinsOutput);

        for (String stackName : List.of("PassiveFargateArm64", "ActiveEc2", "AspectApp")) {
            assertEquals(resourcesWithoutCdkMetadata(typescriptOut.resolve(stackName + ".template.json")),
                    resourcesWithoutCdkMetadata(javaOut.resolve(stackName + ".template.json")), stackName);
            // Same image asset hash: the jar's runtime folder builds the same image as the repository's.
            assertEquals(JSON.readTree(typescriptOut.resolve(stackName + ".assets.json").toFile()).get("dockerImages"),
                    JSON.readTree(javaOut.resolve(stackName + ".assets.json").toFile()).get("dockerImages"), stackName);
        }
    }

    /** The template's resources minus AWS::CDK::Metadata, whose analytics name the calling language. */
    private static JsonNode resourcesWithoutCdkMetadata(final Path templateFile) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode resources =
                (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(templateFile.toFile()).get("Resources");
        List<String> metadata = new ArrayList<>();
        resources.fields().forEachRemaining(entry -> {
            if ("AWS::CDK::Metadata".equals(entry.getValue().get("Type").asText())) {
                metadata.add(entry.getKey());
            }
        });
        resources.remove(metadata);
        return resources;
    }

    // --- Template helpers -----------------------------------------------------------------------------

    private static JsonNode taskDefinitionProperties(final JsonNode template) {
        List<JsonNode> found = resourcesOfType(template, "AWS::ECS::TaskDefinition");
        assertEquals(1, found.size(), "expected one task definition");
        return found.get(0).get("Properties");
    }

    private static JsonNode sidecarDefinition(final JsonNode template) {
        List<JsonNode> matches = new ArrayList<>();
        taskDefinitionProperties(template).get("ContainerDefinitions").forEach(container -> {
            if (SIDECAR_NAME.equals(container.get("Name").asText())) {
                matches.add(container);
            }
        });
        assertEquals(1, matches.size(), "expected one " + SIDECAR_NAME + " container");
        return matches.get(0);
    }

    private static Map<String, String> environmentOf(final JsonNode container) {
        Map<String, String> environment = new HashMap<>();
        container.path("Environment").forEach(entry -> environment.put(entry.get("Name").asText(), entry.get("Value").asText()));
        return environment;
    }

    private static List<JsonNode> resourcesOfType(final JsonNode template, final String type) {
        List<JsonNode> found = new ArrayList<>();
        template.get("Resources").forEach(resource -> {
            if (type.equals(resource.get("Type").asText())) {
                found.add(resource);
            }
        });
        return found;
    }

    /** Action to Resource of the Allow statements in the inline policies of the role an ARN refers to. */
    private static Map<String, JsonNode> grantedActions(final JsonNode template, final JsonNode roleArn) {
        String roleLogicalId = roleArn.at("/Fn::GetAtt/0").asText();
        Map<String, JsonNode> granted = new HashMap<>();
        for (JsonNode policy : resourcesOfType(template, "AWS::IAM::Policy")) {
            boolean attached = false;
            for (JsonNode role : policy.at("/Properties/Roles")) {
                attached |= roleLogicalId.equals(role.path("Ref").asText());
            }
            if (!attached) {
                continue;
            }
            for (JsonNode statement : policy.at("/Properties/PolicyDocument/Statement")) {
                if (!"Allow".equals(statement.get("Effect").asText())) {
                    continue;
                }
                JsonNode actions = statement.get("Action");
                if (actions.isArray()) {
                    actions.forEach(action -> granted.put(action.asText(), statement.get("Resource")));
                } else {
                    granted.put(actions.asText(), statement.get("Resource"));
                }
            }
        }
        return granted;
    }
}
