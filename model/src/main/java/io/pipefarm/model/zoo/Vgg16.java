package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Padding;

/** VGG16 (configuration D) as Keras' {@code applications.VGG16}: 224x224x3, convs with bias, no BN, 1000 classes. */
final class Vgg16 {
    private Vgg16() {}

    static final int CLASSES = 1000;

    static ZooModel build(long seed) {
        ZooBuilder b = new ZooBuilder("vgg16", seed);
        int x = b.input(1, 224, 224, 3);
        int[][] stages = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
        for (int[] st : stages) {
            for (int i = 0; i < st[1]; i++) x = b.convBias(x, st[0], 3, 1, Padding.SAME, Activation.RELU);
            x = b.g.maxPool(x, 2, 2, Padding.VALID);
        }
        x = b.g.reshape(x, 1, 7 * 7 * 512);
        x = b.dense(x, 4096, Activation.RELU);
        x = b.dense(x, 4096, Activation.RELU);
        x = b.dense(x, CLASSES, Activation.NONE);
        x = b.g.softmax(x);
        return b.build(x);
    }
}
