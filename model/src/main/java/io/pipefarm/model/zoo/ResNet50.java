package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Padding;

/**
 * ResNet-50 v1 as Keras' {@code applications.ResNet50}: bottleneck blocks with the stride on the first
 * 1x1 convolution, projection shortcuts in the first block of each stage, convolutions with bias
 * followed by BN (folded: the two biases merge into one), 1000 classes. Input 299x299x3 (the parameter
 * count does not depend on it). Keras' explicit ZeroPadding + VALID stem conv and max-pool are written
 * as SAME padding, which gives the same output sizes (150 and 75 for 299).
 */
final class ResNet50 {
    private ResNet50() {}

    static final int CLASSES = 1000;
    static final int INPUT = 299;

    static ZooModel build(long seed) {
        ZooBuilder b = new ZooBuilder("resnet50_v1", seed);
        int x = b.input(1, INPUT, INPUT, 3);
        x = b.convBiasBn(x, 64, 7, 2, Activation.RELU);
        x = b.g.maxPool(x, 3, 2, Padding.SAME);
        int[] blocks = {3, 4, 6, 3};
        int[] filters = {64, 128, 256, 512};
        for (int s = 0; s < 4; s++) {
            for (int i = 0; i < blocks[s]; i++) {
                int stride = i == 0 && s > 0 ? 2 : 1;
                x = bottleneck(b, x, filters[s], stride, i == 0);
            }
        }
        x = b.globalMean(x);
        x = b.dense(x, CLASSES, Activation.NONE);
        x = b.g.softmax(x);
        return b.build(x);
    }

    private static int bottleneck(ZooBuilder b, int x, int f, int stride, boolean project) {
        int shortcut = project ? b.convBiasBn(x, 4 * f, 1, stride, Activation.NONE) : x;
        int y = b.convBiasBn(x, f, 1, stride, Activation.RELU);
        y = b.convBiasBn(y, f, 3, 1, Activation.RELU);
        y = b.convBiasBn(y, 4 * f, 1, 1, Activation.NONE);
        return b.g.add(y, shortcut, Activation.RELU);
    }
}
