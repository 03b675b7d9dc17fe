package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.GraphBuilder;
import io.pipefarm.model.graph.Padding;

/**
 * A {@link GraphBuilder} wrapper for the zoo: layer helpers named after what the original network had
 * (conv + BN, conv with bias, ...) that keep a {@link BnLedger} of what folding changed.
 */
final class ZooBuilder {
    final GraphBuilder g;
    private long foldedBn;
    private long standaloneBn;
    private long biasesAdded;

    ZooBuilder(String name, long seed) {
        this.g = new GraphBuilder(name, seed);
    }

    int input(int... shape) {
        return g.input("input", shape);
    }

    /** Original: conv without bias + BN (+ act). Folded: conv with bias. */
    int convBn(int x, int cout, int k, int stride, Activation act) {
        return convBn(x, cout, k, k, stride, Padding.SAME, act, false);
    }

    int convBn(int x, int cout, int kh, int kw, int stride, Padding padding, Activation act, boolean signedOutput) {
        foldedBn += cout;
        biasesAdded += cout;
        return g.conv2d(x, cout, kh, kw, stride, stride, padding, act, true, signedOutput);
    }

    /** Original: conv with bias + BN (Keras ResNet50 v1). Folded: conv with bias (the two biases merge). */
    int convBiasBn(int x, int cout, int k, int stride, Activation act) {
        foldedBn += cout;
        return g.conv2d(x, cout, k, k, stride, stride, Padding.SAME, act, true);
    }

    /** Original: conv with bias, no BN. */
    int convBias(int x, int cout, int k, int stride, Padding padding, Activation act) {
        return g.conv2d(x, cout, k, k, stride, stride, padding, act, true);
    }

    /** Original: conv without bias and without a BN right after it (DenseNet): no bias in the graph either. */
    int convPlain(int x, int cout, int k, int stride, Activation act) {
        return g.conv2d(x, cout, k, k, stride, stride, Padding.SAME, act, false);
    }

    /** Original: depthwise conv without bias + BN (+ act). Folded: depthwise conv with bias. */
    int dwBn(int x, int k, int stride, Activation act) {
        int c = g.channels(x);
        foldedBn += c;
        biasesAdded += c;
        return g.depthwiseConv2d(x, k, stride, Padding.SAME, act);
    }

    /** A BN (+ act) that cannot fold into a conv: per-channel MUL (scale) then ADD (shift) with the fused act. */
    int bnStandalone(int x, Activation act) {
        standaloneBn += g.channels(x);
        return g.addChannels(g.mulChannels(x, Activation.NONE), act);
    }

    /** Original: dense layer with bias on a 2-D input. */
    int dense(int x, int units, Activation act) {
        return g.fullyConnected(x, units, act);
    }

    /** Global average pooling as TFLite expresses Keras' GlobalAveragePooling2D: MEAN over H, W to [1, C]. */
    int globalMean(int x) {
        return g.mean(x, new int[] {1, 2}, false);
    }

    ZooModel build(int... outputs) {
        return new ZooModel(g.build(outputs), new BnLedger(foldedBn, standaloneBn, biasesAdded));
    }
}
