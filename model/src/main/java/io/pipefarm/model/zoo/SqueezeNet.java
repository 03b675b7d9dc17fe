package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Padding;

/**
 * SqueezeNet 1.1 (as torchvision's {@code squeezenet1_1}): 224x224x3, convs with bias, no BN, 1000
 * classes; final 1x1 conv with ReLU, global average pool (MEAN), softmax. torchvision's ceil-mode
 * max-pools give the same sizes as VALID ones here (111 -> 55 -> 27 -> 13).
 */
final class SqueezeNet {
    private SqueezeNet() {}

    static final int CLASSES = 1000;

    static ZooModel build(long seed) {
        ZooBuilder b = new ZooBuilder("squeezenet", seed);
        int x = b.input(1, 224, 224, 3);
        x = b.convBias(x, 64, 3, 2, Padding.VALID, Activation.RELU);
        x = b.g.maxPool(x, 3, 2, Padding.VALID);
        x = fire(b, x, 16, 64);
        x = fire(b, x, 16, 64);
        x = b.g.maxPool(x, 3, 2, Padding.VALID);
        x = fire(b, x, 32, 128);
        x = fire(b, x, 32, 128);
        x = b.g.maxPool(x, 3, 2, Padding.VALID);
        x = fire(b, x, 48, 192);
        x = fire(b, x, 48, 192);
        x = fire(b, x, 64, 256);
        x = fire(b, x, 64, 256);
        x = b.convBias(x, CLASSES, 1, 1, Padding.VALID, Activation.RELU);
        x = b.globalMean(x);
        x = b.g.softmax(x);
        return b.build(x);
    }

    private static int fire(ZooBuilder b, int x, int squeeze, int expand) {
        int s = b.convBias(x, squeeze, 1, 1, Padding.VALID, Activation.RELU);
        int e1 = b.convBias(s, expand, 1, 1, Padding.VALID, Activation.RELU);
        int e3 = b.convBias(s, expand, 3, 1, Padding.SAME, Activation.RELU);
        return b.g.concat(3, e1, e3);
    }
}
