package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Padding;

/**
 * DenseNet-121 as Keras' {@code applications.DenseNet121}: 224x224x3, growth 32, blocks 6/12/24/16,
 * compression 0.5, 1000 classes.
 *
 * <p>Batch norm: the stem BN and the BN after each bottleneck 1x1 conv fold into that conv (bias
 * added). The pre-activation BN + ReLU that follows every concatenation (and the final BN) cannot fold
 * into the conv before it (a concat and a ReLU are in between), so it is expressed as a per-channel MUL
 * followed by a per-channel ADD with fused ReLU. The 3x3 convs and the transition 1x1 convs have no
 * bias and no BN right after them, so they stay bias-free.
 *
 * <p>Quantisation: every concatenation joins the block input with 3x3 conv outputs (linear, signed);
 * the stem's ReLU conv therefore uses signed output parameters so that its max-pooled output agrees
 * with them, as TFLite's quantiser propagates a concatenation's parameters back through max-pool.
 */
final class DenseNet121 {
    private DenseNet121() {}

    static final int CLASSES = 1000;
    private static final int GROWTH = 32;

    static ZooModel build(long seed) {
        ZooBuilder b = new ZooBuilder("densenet121", seed);
        int x = b.input(1, 224, 224, 3);
        x = b.convBn(x, 64, 7, 7, 2, Padding.SAME, Activation.RELU, true);
        x = b.g.maxPool(x, 3, 2, Padding.SAME);
        int[] blocks = {6, 12, 24, 16};
        for (int i = 0; i < blocks.length; i++) {
            for (int l = 0; l < blocks[i]; l++) {
                int y = b.bnStandalone(x, Activation.RELU);
                y = b.convBn(y, 4 * GROWTH, 1, 1, Activation.RELU);
                y = b.convPlain(y, GROWTH, 3, 1, Activation.NONE);
                x = b.g.concat(3, x, y);
            }
            if (i < blocks.length - 1) {
                int y = b.bnStandalone(x, Activation.RELU);
                y = b.convPlain(y, b.g.channels(x) / 2, 1, 1, Activation.NONE);
                x = b.g.avgPool(y, 2, 2, Padding.VALID);
            }
        }
        x = b.bnStandalone(x, Activation.RELU);
        x = b.globalMean(x);
        x = b.dense(x, CLASSES, Activation.NONE);
        x = b.g.softmax(x);
        return b.build(x);
    }
}
