package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Padding;

/**
 * MobileNet v1 and v2 (alpha 1.0, 224x224x3) as in Coral's {@code *_quant.tflite} files (TF-slim
 * graphs): 1001 classes (class 0 is "background"), ReLU6, BN folded into the convolutions, and the
 * slim classifier head AVERAGE_POOL_2D 7x7 -> CONV_2D 1x1 (1001, bias) -> RESHAPE -> SOFTMAX.
 */
final class MobileNets {
    private MobileNets() {}

    static final int CLASSES = 1001;

    /** Depthwise-separable blocks of MobileNet v1: {pointwise output channels, depthwise stride}. */
    private static final int[][] V1_BLOCKS = {
        {64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}, {512, 1}, {512, 1}, {512, 1}, {512, 1}, {512, 1},
        {1024, 2}, {1024, 1},
    };

    static ZooModel v1(long seed) {
        ZooBuilder b = new ZooBuilder("mobilenet_v1", seed);
        int x = b.input(1, 224, 224, 3);
        x = b.convBn(x, 32, 3, 2, Activation.RELU6);
        for (int[] blk : V1_BLOCKS) {
            x = b.dwBn(x, 3, blk[1], Activation.RELU6);
            x = b.convBn(x, blk[0], 1, 1, Activation.RELU6);
        }
        return head(b, x);
    }

    /** Inverted-residual settings of MobileNet v2: {expansion t, output channels c, repeats n, first stride s}. */
    private static final int[][] V2_SETTINGS = {
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
    };

    static ZooModel v2(long seed) {
        ZooBuilder b = new ZooBuilder("mobilenet_v2", seed);
        int x = b.input(1, 224, 224, 3);
        x = b.convBn(x, 32, 3, 2, Activation.RELU6);
        for (int[] s : V2_SETTINGS) {
            for (int i = 0; i < s[2]; i++) {
                int stride = i == 0 ? s[3] : 1;
                int cin = b.g.channels(x);
                int y = x;
                if (s[0] != 1) y = b.convBn(y, cin * s[0], 1, 1, Activation.RELU6);
                y = b.dwBn(y, 3, stride, Activation.RELU6);
                y = b.convBn(y, s[1], 1, 1, Activation.NONE);
                if (stride == 1 && cin == s[1]) y = b.g.add(y, x, Activation.NONE);
                x = y;
            }
        }
        x = b.convBn(x, 1280, 1, 1, Activation.RELU6);
        return head(b, x);
    }

    /** Slim classifier: 7x7 average pool, 1x1 conv logits with bias, reshape to [1, 1001], softmax. */
    static ZooModel head(ZooBuilder b, int x) {
        x = b.g.avgPool(x, 7, 1, Padding.VALID);
        x = b.convBias(x, CLASSES, 1, 1, Padding.SAME, Activation.NONE);
        x = b.g.reshape(x, 1, CLASSES);
        x = b.g.softmax(x);
        return b.build(x);
    }
}
