package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.GraphBuilder;

/**
 * Fully connected networks as in the multi-TPU segmentation study: input {@code [1, inputs]}, then
 * {@code depth} hidden layers of {@code width} units, each a FULLY_CONNECTED (no fused activation)
 * followed by a separate TANH op (TFLite's int8 FULLY_CONNECTED fuses only RELU, RELU_N1_TO_1 and
 * RELU6), then an output FULLY_CONNECTED layer of {@link #DEFAULT_OUTPUTS} units without activation.
 */
public final class FcNetwork {
    private FcNetwork() {}

    /** Output units of {@link #build(int, int, int, long)}. */
    public static final int DEFAULT_OUTPUTS = 10;

    public static Graph build(int inputs, int width, int depth, long seed) {
        return build(inputs, width, depth, DEFAULT_OUTPUTS, seed);
    }

    public static Graph build(int inputs, int width, int depth, int outputs, long seed) {
        if (inputs < 1 || width < 1 || depth < 0 || outputs < 1) {
            throw new IllegalArgumentException(
                    "fc network needs inputs >= 1, width >= 1, depth >= 0, outputs >= 1; got " + inputs + ", " + width
                            + ", " + depth + ", " + outputs);
        }
        GraphBuilder g = new GraphBuilder(name(inputs, width, depth, outputs), seed);
        int x = g.input("input", 1, inputs);
        for (int i = 0; i < depth; i++) x = g.tanh(g.fullyConnected(x, width, Activation.NONE));
        x = g.fullyConnected(x, outputs, Activation.NONE);
        return g.build(x);
    }

    /** Parameters (weights + biases) of such a network. */
    public static long paramCount(int inputs, int width, int depth, int outputs) {
        long n = 0;
        int prev = inputs;
        for (int i = 0; i < depth; i++) {
            n += (long) prev * width + width;
            prev = width;
        }
        return n + (long) prev * outputs + outputs;
    }

    static String name(int inputs, int width, int depth, int outputs) {
        return "fc_" + inputs + "x" + width + "x" + depth + (outputs == DEFAULT_OUTPUTS ? "" : "_out" + outputs);
    }
}
