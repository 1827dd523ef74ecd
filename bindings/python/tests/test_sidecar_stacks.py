"""The Python package of the construct, installed from its wheel, synthesizes the sidecar:
container definition, discovery labels, secrets, IAM and the bundled runtime image asset."""
import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Match, Template

from asserts_cdk_ecs_sidecar import AssertsSidecar, SidecarMode
from sidecar_stacks import ActiveEc2Stack, PassiveFargateStack

APP_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = APP_DIR.parent.parent
REPO_RUNTIME_DIR = REPO_ROOT / "runtime"
TYPESCRIPT_TWINS = REPO_ROOT / "bindings" / "parity" / "typescript-stacks.js"

SIDECAR_NAME = "ecs-dockerstats-exporter"
METRICS_PATH = "/container-stats/actuator/prometheus"
ACTIVE_MODE_ENVIRONMENT = {"remoteWrite_url", "remoteWrite_basicAuth_username", "remoteWrite_basicAuth_password"}


def task_definition_properties(template: Template) -> dict:
    task_definitions = template.find_resources("AWS::ECS::TaskDefinition")
    assert len(task_definitions) == 1, f"expected one task definition, found {list(task_definitions)}"
    return next(iter(task_definitions.values()))["Properties"]


def sidecar_definition(template: Template) -> dict:
    containers = task_definition_properties(template)["ContainerDefinitions"]
    matches = [c for c in containers if c["Name"] == SIDECAR_NAME]
    assert len(matches) == 1, f"expected one {SIDECAR_NAME} container in {[c['Name'] for c in containers]}"
    return matches[0]


def environment_of(container: dict) -> dict:
    return {entry["Name"]: entry["Value"] for entry in container.get("Environment", [])}


def policy_statements_of_role(template: Template, role_arn: dict) -> list:
    """Statements of the inline policies attached to the role a task definition refers to by ARN."""
    role_logical_id = role_arn["Fn::GetAtt"][0]
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def actions_of(statement: dict) -> list:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


@pytest.fixture(scope="module")
def passive():
    stack = PassiveFargateStack(cdk.App(), "PassiveFargateArm64")
    return stack, Template.from_stack(stack)


@pytest.fixture(scope="module")
def active():
    stack = ActiveEc2Stack(cdk.App(), "ActiveEc2")
    return stack, Template.from_stack(stack)


@pytest.fixture(scope="module")
def cloud_assembly(tmp_path_factory):
    """Runs app.py the way `cdk synth` does (CDK_OUTDIR set by the CLI) and returns the output folder."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=APP_DIR,
        env={**os.environ, "CDK_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"app.py failed:\n{result.stderr}"
    return outdir


@pytest.fixture(scope="module")
def typescript_assembly(tmp_path_factory):
    """The same stacks written in TypeScript against the compiled library (bindings/parity)."""
    outdir = tmp_path_factory.mktemp("typescript.cdk.out")
    result = subprocess.run(
        ["node", str(TYPESCRIPT_TWINS), str(outdir)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{TYPESCRIPT_TWINS.name} failed:\n{result.stderr}"
    return outdir


def resources_without_cdk_metadata(template_file: Path) -> dict:
    """The template's resources minus AWS::CDK::Metadata, whose analytics name the calling language."""
    resources = json.loads(template_file.read_text())["Resources"]
    return {lid: r for lid, r in resources.items() if r["Type"] != "AWS::CDK::Metadata"}


# --- Passive mode on Fargate ARM64 -------------------------------------------------------------


def test_passive_sidecar_exposes_its_defaults_through_the_python_properties(passive):
    stack, _ = passive
    assert stack.sidecar.mode == SidecarMode.PASSIVE
    assert stack.sidecar.port == 8014
    assert stack.sidecar.metrics_path == METRICS_PATH
    assert stack.sidecar.container.container_name == SIDECAR_NAME
    assert stack.sidecar.log_group is not None


def test_passive_fargate_sidecar_carries_the_discovery_labels_and_port(passive):
    _, template = passive
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "RequiresCompatibilities": ["FARGATE"],
            "NetworkMode": "awsvpc",
            "RuntimePlatform": {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": SIDECAR_NAME,
                            "Essential": False,
                            "PortMappings": [{"ContainerPort": 8014, "Protocol": "tcp"}],
                            "DockerLabels": {
                                "PROMETHEUS_EXPORTER_PATH": METRICS_PATH,
                                "PROMETHEUS_EXPORTER_PORT": "8014",
                            },
                            "User": "1000",
                            "ReadonlyRootFilesystem": True,
                        }
                    )
                ]
            ),
        },
    )


def test_passive_sidecar_has_no_remote_write_settings_and_no_api_permissions(passive):
    _, template = passive
    sidecar = sidecar_definition(template)
    assert ACTIVE_MODE_ENVIRONMENT.isdisjoint(environment_of(sidecar))
    assert "Secrets" not in sidecar
    properties = task_definition_properties(template)
    if "TaskRoleArn" in properties:
        actions = [a for s in policy_statements_of_role(template, properties["TaskRoleArn"]) for a in actions_of(s)]
        assert not [a for a in actions if a.startswith(("ecs:", "ec2:"))], actions


def test_passive_sidecar_logs_to_its_own_log_group_with_a_retention(passive):
    _, template = passive
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    log_configuration = sidecar_definition(template)["LogConfiguration"]
    assert log_configuration["LogDriver"] == "awslogs"
    assert log_configuration["Options"]["awslogs-stream-prefix"] == SIDECAR_NAME


# --- Active mode on EC2 (bridge) ---------------------------------------------------------------


def test_active_sidecar_exposes_active_mode_through_the_python_properties(active):
    stack, _ = active
    assert stack.sidecar.mode == SidecarMode.ACTIVE
    assert stack.sidecar.port == 8014


def test_active_ec2_sidecar_gets_remote_write_environment_and_a_dynamic_host_port(active):
    _, template = active
    properties = task_definition_properties(template)
    assert properties["RequiresCompatibilities"] == ["EC2"]
    assert properties["NetworkMode"] == "bridge"
    sidecar = sidecar_definition(template)
    environment = environment_of(sidecar)
    assert environment["remoteWrite_url"] == "https://prometheus.example.com/api/v1/write"
    assert environment["remoteWrite_basicAuth_username"] == "team-payments"
    assert environment["collectInterval"] == "30s"
    assert sidecar["PortMappings"] == [{"ContainerPort": 8014, "HostPort": 0, "Protocol": "tcp"}]
    # EC2 requires a memory setting on every container; the sidecar brings its own reservation.
    assert sidecar["MemoryReservation"] == 112  # the Active default: its measured RSS with headroom
    assert sidecar["DockerLabels"] == {"PROMETHEUS_EXPORTER_PATH": METRICS_PATH, "PROMETHEUS_EXPORTER_PORT": "8014"}


def test_active_password_is_an_ecs_secret_never_a_plain_value(active):
    _, template = active
    sidecar = sidecar_definition(template)
    secrets = {entry["Name"]: entry["ValueFrom"] for entry in sidecar["Secrets"]}
    assert list(secrets) == ["remoteWrite_basicAuth_password"]
    assert "secret:asserts/remote-write-password" in json.dumps(secrets["remoteWrite_basicAuth_password"])
    assert not [name for name in environment_of(sidecar) if "password" in name.lower()]

    # The execution role (which pulls secrets at task start) may read exactly that secret.
    execution_statements = policy_statements_of_role(template, task_definition_properties(template)["ExecutionRoleArn"])
    secret_reads = [s for s in execution_statements if "secretsmanager:GetSecretValue" in actions_of(s)]
    assert len(secret_reads) == 1
    assert "secret:asserts/remote-write-password" in json.dumps(secret_reads[0]["Resource"])


def test_active_task_role_may_describe_tasks_task_definitions_and_subnets(active):
    _, template = active
    statements = policy_statements_of_role(template, task_definition_properties(template)["TaskRoleArn"])
    granted = {action: s["Resource"] for s in statements if s["Effect"] == "Allow" for action in actions_of(s)}
    assert {"ecs:DescribeTasks", "ecs:DescribeTaskDefinition", "ec2:DescribeSubnets"} <= set(granted)
    # DescribeTasks is scoped to task ARNs; the other two accept no resource-level permissions.
    assert ":task/*" in json.dumps(granted["ecs:DescribeTasks"])
    assert granted["ecs:DescribeTaskDefinition"] == "*"
    assert granted["ec2:DescribeSubnets"] == "*"


# --- Validation crosses the language boundary ----------------------------------------------------


def test_invalid_port_is_refused_with_a_message_naming_the_property():
    stack = cdk.Stack(cdk.App(), "Invalid")
    task_definition = ecs.FargateTaskDefinition(stack, "Task")
    # jsii surfaces the construct's JavaScript Error as a Python RuntimeError with the same message.
    with pytest.raises(RuntimeError, match='port must be .*between 1 and 65535, got "70000"'):
        AssertsSidecar(task_definition, "Metrics", port=70000)


# --- The CDK app and its bundled image asset -----------------------------------------------------


@pytest.mark.parametrize(
    "stack_name, docker_platform",
    [("PassiveFargateArm64", "linux/arm64"), ("ActiveEc2", "linux/amd64")],
)
def test_app_bundles_the_runtime_from_the_installed_package_as_the_sidecar_image(
    cloud_assembly, stack_name, docker_platform
):
    assets = json.loads((cloud_assembly / f"{stack_name}.assets.json").read_text())
    docker_images = list(assets["dockerImages"].items())
    assert len(docker_images) == 1, "the sidecar image is the stack's only docker image asset"
    asset_hash, asset = docker_images[0]
    assert asset["source"]["platform"] == docker_platform

    # The task definition runs exactly that asset.
    template = json.loads((cloud_assembly / f"{stack_name}.template.json").read_text())
    (task_definition,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition"]
    (sidecar,) = [c for c in task_definition["Properties"]["ContainerDefinitions"] if c["Name"] == SIDECAR_NAME]
    assert json.dumps(sidecar["Image"]).endswith(f':{asset_hash}"}}')

    # The staged build context is the runtime folder shipped inside the wheel: the files the
    # Dockerfile copies are there, byte for byte the repository's, and nothing built or installed.
    context = cloud_assembly / asset["source"]["directory"]
    staged = sorted(p.relative_to(context).as_posix() for p in context.rglob("*") if p.is_file())
    for required in ("Dockerfile", "package.json", "package-lock.json", "tsconfig.json"):
        assert required in staged, f"{required} missing from the bundled runtime: {staged}"
    assert any(p.startswith("src/") and p.endswith(".ts") for p in staged), f"no runtime sources in {staged}"
    assert not [p for p in staged if p.split("/")[0] in {"node_modules", "lib", "test", "coverage", "bench"}]
    for relative in staged:
        assert (context / relative).read_bytes() == (REPO_RUNTIME_DIR / relative).read_bytes(), relative
    assert json.loads((context / "package.json").read_text())["name"] == "asserts-ecs-exporter"


# --- Same result as TypeScript --------------------------------------------------------------------


@pytest.mark.parametrize("stack_name", ["PassiveFargateArm64", "ActiveEc2", "AspectApp"])
def test_python_synthesizes_the_same_template_as_typescript(cloud_assembly, typescript_assembly, stack_name):
    python_resources = resources_without_cdk_metadata(cloud_assembly / f"{stack_name}.template.json")
    typescript_resources = resources_without_cdk_metadata(typescript_assembly / f"{stack_name}.template.json")
    assert python_resources == typescript_resources
    # Same image asset hash: the wheel's runtime folder builds the same image as the repository's.
    python_images = json.loads((cloud_assembly / f"{stack_name}.assets.json").read_text())["dockerImages"]
    typescript_images = json.loads((typescript_assembly / f"{stack_name}.assets.json").read_text())["dockerImages"]
    assert list(python_images) == list(typescript_images)
