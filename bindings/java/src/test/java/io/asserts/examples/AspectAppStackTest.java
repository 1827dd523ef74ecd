package io.asserts.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.asserts.cdk.ecssidecar.AssertsSidecar;
import io.asserts.cdk.ecssidecar.AssertsSidecarAspect;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awscdk.App;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.SynthesisMessage;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.jsii.JsiiException;

/**
 * AssertsSidecarAspect from Java: one sidecar per task definition that has none, the Windows one
 * skipped with a warning, and the aspect's props (exporter metrics, restart policy) on every sidecar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AspectAppStackTest {
    private static final String SIDECAR_NAME = "ecs-dockerstats-exporter";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AspectAppStack stack;
    private JsonNode template;

    @BeforeAll
    void synthesize() {
        stack = new AspectAppStack(new App(), "AspectApp", null);
        template = JSON.valueToTree(Template.fromStack(stack).toJSON());
    }

    @Test
    void aspectAddsOneSidecarWhereNoneIsAndNoneToTheWindowsTask() {
        Map<String, List<String>> names = new HashMap<>();
        for (String id : List.of("FargateTask", "BridgeTask", "InstrumentedTask", "WindowsTask")) {
            List<String> containerNames = new ArrayList<>();
            containersOf(id).forEach(container -> containerNames.add(container.get("Name").asText()));
            names.put(id, containerNames);
        }
        assertEquals(Map.of(
                "FargateTask", List.of("web", SIDECAR_NAME),
                "BridgeTask", List.of("web", SIDECAR_NAME),
                "InstrumentedTask", List.of("web", "hand-made-exporter"),
                "WindowsTask", List.of("web")), names);
        assertTrue(AssertsSidecar.isAssertsSidecar(
                stack.getNode().findChild("BridgeTask").getNode().findChild(AssertsSidecarAspect.SIDECAR_ID)));
    }

    @Test
    void aspectWarnsAboutTheWindowsTaskOnly() {
        List<SynthesisMessage> warnings = Annotations.fromStack(stack).findWarning("*", Match.anyValue());
        assertEquals(List.of("/AspectApp/WindowsTask"),
                warnings.stream().map(SynthesisMessage::getId).collect(Collectors.toList()));
        assertEquals("AssertsSidecarAspect added no sidecar to this task definition: it runs on WINDOWS_SERVER_2022_CORE. "
                + "The sidecar supports Linux tasks in awsvpc, bridge or host network mode. "
                + "[ack: @asserts/cdk-ecs-sidecar:aspectSkippedWindows]", String.valueOf(warnings.get(0).getEntry().getData()));
    }

    @Test
    void aspectPropsReachEveryAddedSidecar() {
        for (String id : List.of("FargateTask", "BridgeTask")) {
            JsonNode sidecar = containerNamed(id, SIDECAR_NAME);
            Map<String, String> environment = environmentOf(sidecar);
            assertEquals("https://prometheus.example.com/api/v1/write", environment.get("remoteWrite_url"), id);
            assertEquals("true", environment.get("disableExporterMetrics"), id);
            assertTrue(sidecar.at("/RestartPolicy/Enabled").asBoolean(), id);
            assertEquals(120, sidecar.at("/RestartPolicy/RestartAttemptPeriod").asInt(), id);
        }
    }

    @Test
    void handMadeSidecarKeepsItsOwnSettingsAndTheDefaultRestartPolicy() {
        JsonNode handMade = containerNamed("InstrumentedTask", "hand-made-exporter");
        assertEquals(9000, handMade.at("/PortMappings/0/ContainerPort").asInt());
        assertFalse(environmentOf(handMade).containsKey("disableExporterMetrics"));
        assertEquals(60, handMade.at("/RestartPolicy/RestartAttemptPeriod").asInt());
    }

    @Test
    void restartAttemptPeriodOutOfRangeIsRefusedWithTheFix() {
        Stack invalid = new Stack(new App(), "Invalid");
        FargateTaskDefinition taskDefinition = FargateTaskDefinition.Builder.create(invalid, "Task").build();
        JsiiException error = assertThrows(JsiiException.class, () -> AssertsSidecar.Builder.create(taskDefinition, "Metrics")
                .restartAttemptPeriod(Duration.minutes(45)).build());
        assertTrue(error.getMessage().matches("(?s).*restartAttemptPeriod must be .* got 45 minutes; use for example Duration\\.seconds\\(1800\\).*"),
                error.getMessage());
    }

    private JsonNode containersOf(final String taskDefinitionId) {
        CfnElement resource = (CfnElement) stack.getNode().findChild(taskDefinitionId).getNode().getDefaultChild();
        return template.at("/Resources/" + stack.getLogicalId(resource) + "/Properties/ContainerDefinitions");
    }

    private JsonNode containerNamed(final String taskDefinitionId, final String name) {
        for (JsonNode container : containersOf(taskDefinitionId)) {
            if (name.equals(container.get("Name").asText())) {
                return container;
            }
        }
        throw new AssertionError("no container " + name + " in " + taskDefinitionId);
    }

    private static Map<String, String> environmentOf(final JsonNode container) {
        Map<String, String> environment = new HashMap<>();
        container.path("Environment").forEach(entry -> environment.put(entry.get("Name").asText(), entry.get("Value").asText()));
        return environment;
    }
}
