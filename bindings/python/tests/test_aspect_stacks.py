"""AssertsSidecarAspect from Python: one sidecar per task definition that has none, the Windows one
skipped with a warning, and the aspect's props (exporter metrics, restart policy) on every sidecar."""
import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Annotations, Match, Template

from asserts_cdk_ecs_sidecar import AssertsSidecar, AssertsSidecarAspect
from aspect_stacks import AspectAppStack

SIDECAR_NAME = "ecs-dockerstats-exporter"


@pytest.fixture(scope="module")
def aspect_app():
    stack = AspectAppStack(cdk.App(), "AspectApp")
    return stack, Template.from_stack(stack)


def containers_of(stack: cdk.Stack, template: Template, task_definition_id: str) -> list:
    task_definition = stack.node.find_child(task_definition_id)
    logical_id = stack.get_logical_id(task_definition.node.default_child)
    return template.to_json()["Resources"][logical_id]["Properties"]["ContainerDefinitions"]


def environment_of(container: dict) -> dict:
    return {entry["Name"]: entry["Value"] for entry in container.get("Environment", [])}


def test_aspect_adds_one_sidecar_where_none_is_and_none_to_the_windows_task(aspect_app):
    stack, template = aspect_app
    names = {td: [c["Name"] for c in containers_of(stack, template, td)]
             for td in ("FargateTask", "BridgeTask", "InstrumentedTask", "WindowsTask")}
    assert names == {
        "FargateTask": ["web", SIDECAR_NAME],
        "BridgeTask": ["web", SIDECAR_NAME],
        "InstrumentedTask": ["web", "hand-made-exporter"],
        "WindowsTask": ["web"],
    }
    assert AssertsSidecar.is_asserts_sidecar(
        stack.node.find_child("FargateTask").node.find_child(AssertsSidecarAspect.SIDECAR_ID)
    )


def test_aspect_warns_about_the_windows_task_only(aspect_app):
    stack, _ = aspect_app
    warnings = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    assert [(w.id, w.entry.data) for w in warnings] == [(
        "/AspectApp/WindowsTask",
        "AssertsSidecarAspect added no sidecar to this task definition: it runs on WINDOWS_SERVER_2022_CORE. "
        "The sidecar supports Linux tasks in awsvpc, bridge or host network mode. "
        "[ack: @asserts/cdk-ecs-sidecar:aspectSkippedWindows]",
    )]


def test_aspect_props_reach_every_added_sidecar(aspect_app):
    stack, template = aspect_app
    for task_definition_id in ("FargateTask", "BridgeTask"):
        (sidecar,) = [c for c in containers_of(stack, template, task_definition_id) if c["Name"] == SIDECAR_NAME]
        environment = environment_of(sidecar)
        assert environment["remoteWrite_url"] == "https://prometheus.example.com/api/v1/write"
        assert environment["disableExporterMetrics"] == "true"
        assert sidecar["RestartPolicy"] == {"Enabled": True, "RestartAttemptPeriod": 120}


def test_hand_made_sidecar_keeps_its_own_settings_and_the_default_restart_policy(aspect_app):
    stack, template = aspect_app
    (hand_made,) = [c for c in containers_of(stack, template, "InstrumentedTask") if c["Name"] == "hand-made-exporter"]
    assert hand_made["PortMappings"] == [{"ContainerPort": 9000, "Protocol": "tcp"}]
    assert "disableExporterMetrics" not in environment_of(hand_made)
    assert hand_made["RestartPolicy"] == {"Enabled": True, "RestartAttemptPeriod": 60}


def test_restart_policy_can_be_turned_off_from_python():
    stack = cdk.Stack(cdk.App(), "NoRestart")
    task_definition = ecs.FargateTaskDefinition(stack, "Task")
    AssertsSidecar(task_definition, "Metrics", enable_restart_policy=False)
    (sidecar,) = [c for c in Template.from_stack(stack).to_json()["Resources"][stack.get_logical_id(task_definition.node.default_child)]
                  ["Properties"]["ContainerDefinitions"] if c["Name"] == SIDECAR_NAME]
    assert sidecar["RestartPolicy"] == {"Enabled": False}


def test_restart_attempt_period_out_of_range_is_refused_with_the_fix():
    stack = cdk.Stack(cdk.App(), "Invalid")
    task_definition = ecs.FargateTaskDefinition(stack, "Task")
    with pytest.raises(RuntimeError, match=r"restartAttemptPeriod must be .* got 45 seconds; use for example Duration.seconds\(60\)"):
        AssertsSidecar(task_definition, "Metrics", restart_attempt_period=cdk.Duration.seconds(45))
