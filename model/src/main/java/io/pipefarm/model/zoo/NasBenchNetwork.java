package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.GraphBuilder;
import io.pipefarm.model.graph.Padding;

/**
 * NASBench-101 networks (CIFAR-10, 32x32x3 input) built from a {@link CellSpec}, per
 * {@code reference/nasbench101.md}: stem conv3x3 (128) + BN + ReLU; 3 stacks of 3 cells with 128, 256
 * and 512 output channels, a 2x2/2 'same' max-pool before stacks 2 and 3; MEAN over H and W (keep
 * dims), RESHAPE to [1, 512], dense to 10 logits. Every conv of the original has no bias and is
 * followed by BN + ReLU; here the BN is folded, giving an int8 conv with bias and fused ReLU.
 */
public final class NasBenchNetwork {
    private NasBenchNetwork() {}

    public static final int INPUT_SIZE = 32;
    public static final int STEM_CHANNELS = 128;
    public static final int STACKS = 3;
    public static final int CELLS_PER_STACK = 3;
    public static final int CLASSES = 10;

    /** The network of {@code spec} (its pruned cell) with seeded int8 weights. */
    public static Graph build(CellSpec spec, long seed) {
        return buildModel(spec, seed).graph();
    }

    static ZooModel buildModel(CellSpec spec, long seed) {
        ZooBuilder b = new ZooBuilder("nasbench_" + spec.hash().substring(0, 12), seed);
        int x = b.input(1, INPUT_SIZE, INPUT_SIZE, 3);
        x = b.convBn(x, STEM_CHANNELS, 3, 1, Activation.RELU);
        int channels = STEM_CHANNELS;
        for (int stack = 0; stack < STACKS; stack++) {
            if (stack > 0) {
                x = b.g.maxPool(x, 2, 2, Padding.SAME);
                channels *= 2;
            }
            for (int cell = 0; cell < CELLS_PER_STACK; cell++) x = cell(b, spec, x, channels);
        }
        x = b.g.mean(x, new int[] {1, 2}, true);
        x = b.g.reshape(x, 1, channels);
        x = b.dense(x, CLASSES, Activation.NONE);
        return b.build(x);
    }

    private static int projection(ZooBuilder b, int x, int channels) {
        return b.convBn(x, channels, 1, 1, Activation.RELU);
    }

    private static int cell(ZooBuilder b, CellSpec spec, int input, int outChannels) {
        GraphBuilder g = b.g;
        int v = spec.vertices();
        int[] ch = spec.vertexChannels(g.channels(input), outChannels);
        int[] tensors = new int[v];
        tensors[0] = input;
        for (int t = 1; t < v - 1; t++) {
            int sum = -1;
            for (int src = 1; src < t; src++) {
                if (!spec.edge(src, t)) continue;
                int have = g.channels(tensors[src]);
                if (have < ch[t])
                    throw new IllegalStateException("vertex " + src + " has " + have + " channels, fewer than vertex "
                            + t + " needs (" + ch[t] + ")");
                int in = g.firstChannels(tensors[src], ch[t]);
                sum = sum < 0 ? in : g.add(sum, in, Activation.NONE);
            }
            if (spec.edge(0, t)) {
                int p = projection(b, input, ch[t]);
                sum = sum < 0 ? p : g.add(sum, p, Activation.NONE);
            }
            String op = spec.op(t);
            tensors[t] = switch (op) {
                case CellSpec.CONV3X3 -> b.convBn(sum, ch[t], 3, 1, Activation.RELU);
                case CellSpec.CONV1X1 -> b.convBn(sum, ch[t], 1, 1, Activation.RELU);
                case CellSpec.MAXPOOL3X3 -> g.maxPool(sum, 3, 1, Padding.SAME);
                default -> throw new IllegalStateException("unknown op " + op);
            };
        }
        int count = 0;
        for (int t = 1; t < v - 1; t++) if (spec.edge(t, v - 1)) count++;
        if (count == 0) return projection(b, input, outChannels);
        int[] outs = new int[count];
        int k = 0;
        for (int t = 1; t < v - 1; t++) if (spec.edge(t, v - 1)) outs[k++] = tensors[t];
        int out = count == 1 ? outs[0] : g.concat(3, outs);
        if (spec.edge(0, v - 1)) out = g.add(out, projection(b, input, outChannels), Activation.NONE);
        return out;
    }

    /**
     * Trainable parameters of the original (unfolded) network: conv weights k*k*cin*cout (no bias),
     * 2 per BN channel (gamma, beta; the moving statistics are not trainable), dense 512*10 + 10.
     * The reference check value is 2,694,282.
     */
    public static long trainableParams(CellSpec spec) {
        return countParams(spec, 2, 0);
    }

    /** Parameters of the BN-folded int8 graph: conv weights + one bias per output channel, dense 5130. */
    public static long foldedParams(CellSpec spec) {
        return countParams(spec, 0, 1);
    }

    private static long countParams(CellSpec spec, int perBnChannel, int perBias) {
        long total = conv(3, 3, STEM_CHANNELS, perBnChannel, perBias);
        int channels = STEM_CHANNELS;
        int v = spec.vertices();
        for (int stack = 0; stack < STACKS; stack++) {
            int cin = channels;
            if (stack > 0) channels *= 2;
            for (int cell = 0; cell < CELLS_PER_STACK; cell++) {
                int in = cell == 0 ? cin : channels;
                int[] ch = spec.vertexChannels(in, channels);
                boolean anyOut = false;
                for (int t = 1; t < v - 1; t++) {
                    if (spec.edge(0, t)) total += conv(1, in, ch[t], perBnChannel, perBias);
                    String op = spec.op(t);
                    if (op.equals(CellSpec.CONV3X3)) total += conv(3, ch[t], ch[t], perBnChannel, perBias);
                    else if (op.equals(CellSpec.CONV1X1)) total += conv(1, ch[t], ch[t], perBnChannel, perBias);
                    anyOut |= spec.edge(t, v - 1);
                }
                if (!anyOut || spec.edge(0, v - 1)) total += conv(1, in, channels, perBnChannel, perBias);
            }
        }
        return total + (long) channels * CLASSES + CLASSES;
    }

    private static long conv(int k, int cin, int cout, int perBnChannel, int perBias) {
        return (long) k * k * cin * cout + (long) (perBnChannel + perBias) * cout;
    }
}
