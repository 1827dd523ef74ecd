#!/usr/bin/env python3
"""CDK app with the sidecar stacks; `cdk synth` runs it through cdk.json."""
import aws_cdk as cdk

from aspect_stacks import AspectAppStack
from sidecar_stacks import ActiveEc2Stack, PassiveFargateStack

app = cdk.App()
PassiveFargateStack(app, "PassiveFargateArm64")
ActiveEc2Stack(app, "ActiveEc2")
AspectAppStack(app, "AspectApp")
app.synth()
