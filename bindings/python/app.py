#!/usr/bin/env python3
"""CDK app with the sidecar stacks; `cdk synth` runs it through cdk.json."""
import aws_cdk as cdk

from sidecar_stacks import ActiveEc2Stack, PassiveFargateStack

app = cdk.App()
PassiveFargateStack(app, "PassiveFargateArm64")
ActiveEc2Stack(app, "ActiveEc2")
app.synth()
