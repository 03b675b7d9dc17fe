package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Padding;

/**
 * Inception v1 (GoogLeNet with batch norm, as TF-slim's {@code inception_v1} and Coral's
 * {@code inception_v1_224_quant.tflite}): 224x224x3, ReLU, BN folded, no auxiliary heads, 1001 classes
 * with the slim head (7x7 average pool, 1x1 conv logits, reshape, softmax). Like slim and torchvision,
 * the "5x5" branch of each module uses a 3x3 convolution.
 */
final class InceptionV1 {
    private InceptionV1() {}

    static final int CLASSES = 1001;

    /** Module widths: {1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5" (3x3 kernel), pool projection}. */
    private static final int[][] MIXED_3 = {{64, 96, 128, 16, 32, 32}, {128, 128, 192, 32, 96, 64}};

    private static final int[][] MIXED_4 = {
        {192, 96, 208, 16, 48, 64},
        {160, 112, 224, 24, 64, 64},
        {128, 128, 256, 24, 64, 64},
        {112, 144, 288, 32, 64, 64},
        {256, 160, 320, 32, 128, 128},
    };
    private static final int[][] MIXED_5 = {{256, 160, 320, 32, 128, 128}, {384, 192, 384, 48, 128, 128}};

    static ZooModel build(long seed) {
        ZooBuilder b = new ZooBuilder("inception_v1", seed);
        int x = b.input(1, 224, 224, 3);
        x = b.convBn(x, 64, 7, 2, Activation.RELU);
        x = b.g.maxPool(x, 3, 2, Padding.SAME);
        x = b.convBn(x, 64, 1, 1, Activation.RELU);
        x = b.convBn(x, 192, 3, 1, Activation.RELU);
        x = b.g.maxPool(x, 3, 2, Padding.SAME);
        for (int[] m : MIXED_3) x = module(b, x, m);
        x = b.g.maxPool(x, 3, 2, Padding.SAME);
        for (int[] m : MIXED_4) x = module(b, x, m);
        x = b.g.maxPool(x, 2, 2, Padding.SAME);
        for (int[] m : MIXED_5) x = module(b, x, m);
        return MobileNets.head(b, x);
    }

    private static int module(ZooBuilder b, int x, int[] m) {
        Activation r = Activation.RELU;
        int b0 = b.convBn(x, m[0], 1, 1, r);
        int b1 = b.convBn(b.convBn(x, m[1], 1, 1, r), m[2], 3, 1, r);
        int b2 = b.convBn(b.convBn(x, m[3], 1, 1, r), m[4], 3, 1, r);
        int b3 = b.convBn(b.g.maxPool(x, 3, 1, Padding.SAME), m[5], 1, 1, r);
        return b.g.concat(3, b0, b1, b2, b3);
    }
}
