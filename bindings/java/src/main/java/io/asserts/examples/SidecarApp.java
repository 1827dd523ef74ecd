package io.asserts.examples;

import software.amazon.awscdk.App;

/** CDK app with the sidecar stacks; `cdk synth` runs it through cdk.json. */
public final class SidecarApp {
    private SidecarApp() {
    }

    public static void main(final String[] args) {
        App app = new App();
        new PassiveFargateStack(app, "PassiveFargateArm64", null);
        new ActiveEc2Stack(app, "ActiveEc2", null);
        new AspectAppStack(app, "AspectApp", null);
        app.synth();
    }
}
