package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Padding;

/**
 * EfficientNet-B0 (Keras {@code applications.EfficientNetB0}) and EfficientNet-EdgeTPU-S (the
 * {@code efficientnet-edgetpu-S} of tensorflow/tpu), both 224x224x3 with 1000 classes, BN folded.
 */
final class EfficientNets {
    private EfficientNets() {}

    static final int CLASSES = 1000;

    /** B0 stages: {kernel, repeats, input filters, output filters, expansion, stride}; SE ratio 0.25 everywhere. */
    private static final int[][] B0_STAGES = {
        {3, 1, 32, 16, 1, 1},
        {3, 2, 16, 24, 6, 2},
        {5, 2, 24, 40, 6, 2},
        {3, 3, 40, 80, 6, 2},
        {5, 3, 80, 112, 6, 1},
        {5, 4, 112, 192, 6, 2},
        {3, 1, 192, 320, 6, 1},
    };

    /**
     * EfficientNet-B0: swish (x * logistic(x)) activations, MBConv blocks with squeeze-and-excitation
     * (MEAN keep-dims -> conv1x1 with bias -> swish -> conv1x1 with bias -> logistic -> MUL). Keras'
     * input Rescaling/Normalization layers are not part of the int8 graph.
     */
    static ZooModel b0(long seed) {
        ZooBuilder b = new ZooBuilder("efficientnet_b0", seed);
        int x = b.input(1, 224, 224, 3);
        x = b.g.swish(b.convBn(x, 32, 3, 2, Activation.NONE));
        for (int[] s : B0_STAGES) {
            for (int r = 0; r < s[1]; r++) {
                int filtersIn = r == 0 ? s[2] : s[3];
                int stride = r == 0 ? s[5] : 1;
                x = mbConvSe(b, x, filtersIn, s[3], s[0], s[4], stride);
            }
        }
        x = b.g.swish(b.convBn(x, 1280, 1, 1, Activation.NONE));
        return classifier(b, x);
    }

    private static int mbConvSe(ZooBuilder b, int x, int filtersIn, int filtersOut, int k, int expand, int stride) {
        int filters = filtersIn * expand;
        int y = x;
        if (expand != 1) y = b.g.swish(b.convBn(y, filters, 1, 1, Activation.NONE));
        y = b.g.swish(b.dwBn(y, k, stride, Activation.NONE));
        int se = Math.max(1, (int) (filtersIn * 0.25));
        int s = b.g.mean(y, new int[] {1, 2}, true);
        s = b.g.swish(b.convBias(s, se, 1, 1, Padding.SAME, Activation.NONE));
        s = b.g.logistic(b.convBias(s, filters, 1, 1, Padding.SAME, Activation.NONE));
        y = b.g.mul(y, s, Activation.NONE);
        y = b.convBn(y, filtersOut, 1, 1, Activation.NONE);
        if (stride == 1 && filtersIn == filtersOut) y = b.g.add(y, x, Activation.NONE);
        return y;
    }

    /**
     * EdgeTPU-S stages: {fused (1) or not (0), kernel, repeats, stride, expansion, output filters,
     * forced input filters for the expansion width (0 = actual), skip allowed (1/0)}.
     */
    private static final int[][] EDGETPU_S_STAGES = {
        {1, 3, 1, 1, 4, 24, 24, 0}, {1, 3, 2, 2, 8, 32, 0, 1}, {1, 3, 4, 2, 8, 48, 0, 1},
        {0, 5, 5, 2, 8, 96, 0, 1}, {0, 5, 4, 1, 8, 144, 0, 1}, {0, 5, 2, 2, 8, 192, 0, 1},
    };

    /**
     * EfficientNet-EdgeTPU-S: ReLU, no squeeze-and-excitation; the first three stages use fused
     * "expanded conv" blocks (a kxk expansion conv with the stride, then a 1x1 projection) instead of
     * 1x1 expansion + depthwise. The first block expands from a forced width of 24 (32 -> 96 channels)
     * and has no skip. Head conv1x1 to 1280, MEAN, dense 1000, softmax.
     */
    static ZooModel edgeTpuS(long seed) {
        ZooBuilder b = new ZooBuilder("efficientnet_edgetpu_s", seed);
        int x = b.input(1, 224, 224, 3);
        x = b.convBn(x, 32, 3, 2, Activation.RELU);
        for (int[] s : EDGETPU_S_STAGES) {
            for (int r = 0; r < s[2]; r++) {
                int cin = b.g.channels(x);
                int stride = r == 0 ? s[3] : 1;
                int mid = (r == 0 && s[6] > 0 ? s[6] : cin) * s[4];
                int y;
                if (s[0] == 1) {
                    y = b.convBn(x, mid, s[1], stride, Activation.RELU);
                } else {
                    y = b.convBn(x, mid, 1, 1, Activation.RELU);
                    y = b.dwBn(y, s[1], stride, Activation.RELU);
                }
                y = b.convBn(y, s[5], 1, 1, Activation.NONE);
                if (s[7] == 1 && stride == 1 && cin == s[5]) y = b.g.add(y, x, Activation.NONE);
                x = y;
            }
        }
        x = b.convBn(x, 1280, 1, 1, Activation.RELU);
        return classifier(b, x);
    }

    private static ZooModel classifier(ZooBuilder b, int x) {
        x = b.globalMean(x);
        x = b.dense(x, CLASSES, Activation.NONE);
        x = b.g.softmax(x);
        return b.build(x);
    }
}
