package io.pipefarm.model.tflite;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.GraphBuilder;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Padding;
import io.pipefarm.model.graph.Tensor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Graphs shared by the TFLite and segment tests. */
public final class TfliteTestGraphs {
    private TfliteTestGraphs() {}

    /** Every op type GraphBuilder has, in one small int8 model that TFLite runs. */
    public static Graph allOps(String name, long seed) {
        GraphBuilder b = new GraphBuilder(name, seed);
        int x = b.input("image", 1, 16, 16, 3);
        int c = b.conv2d(x, 8, 3, 2, Padding.SAME, Activation.RELU6);
        int d = b.depthwiseConv2d(c, 3, 1, Padding.SAME, Activation.RELU6);
        int m = b.maxPool(d, 2, 1, Padding.VALID);
        int p = b.pad(m, new int[][] {{0, 0}, {1, 0}, {1, 0}, {0, 0}});
        int a = b.avgPool(p, 2, 2, Padding.VALID);
        int s = b.slice(a, new int[] {0, 0, 0, 0}, new int[] {1, 4, 4, 8});
        int hs = b.hardSwish(s);
        int mul = b.mulChannels(hs, Activation.NONE);
        int add = b.addChannels(mul, Activation.NONE);
        int sw = b.swish(add); // logistic + mul
        int t = b.tanh(sw);
        int k1 = b.conv2d(t, 8, 1, 1, Padding.SAME, Activation.RELU);
        int k2 = b.conv2d(t, 8, 1, 1, Padding.SAME, Activation.RELU);
        int cat = b.concat(3, k1, k2);
        int sum = b.add(cat, cat, Activation.RELU);
        int mean = b.mean(sum, new int[] {1, 2}, false);
        int fc = b.fullyConnected(mean, 10, Activation.NONE);
        int r = b.reshape(fc, 1, 10);
        int sm = b.softmax(r);
        return b.build(sm);
    }

    public static Graph allOps() {
        return allOps("allops", 7);
    }

    /** The op types of GraphBuilder (all IR types except OPAQUE). */
    public static Set<OpType> builderTypes() {
        return EnumSet.complementOf(EnumSet.of(OpType.OPAQUE));
    }

    /**
     * A branching graph: op 0 produces {@code a}, which is read again by op 4, so it crosses cuts 1..4;
     * op 2's output {@code aux} is a second model output produced mid-graph.
     */
    public static Graph branching() {
        GraphBuilder b = new GraphBuilder("branchy", 3);
        int x = b.input("x", 1, 8, 8, 4);
        int a = b.conv2d(x, 4, 1, 1, Padding.SAME, Activation.NONE); // 0
        int c1 = b.conv2d(a, 4, 3, 1, Padding.SAME, Activation.NONE); // 1
        int aux = b.depthwiseConv2d(c1, 3, 1, Padding.SAME, Activation.NONE); // 2
        int c3 = b.conv2d(aux, 4, 1, 1, Padding.SAME, Activation.NONE); // 3
        int y = b.add(a, c3, Activation.NONE); // 4
        int z = b.maxPool(y, 2, 2, Padding.VALID); // 5
        return b.build(z, aux);
    }

    /** The graph with another name and every tensor renamed (same computation). */
    public static Graph renamed(Graph g, String name, String tensorPrefix) {
        List<Tensor> ts = new ArrayList<>();
        for (Tensor t : g.tensors()) {
            ts.add(new Tensor(t.id(), tensorPrefix + t.id(), t.type(), t.shape(), t.quant(), t.data()));
        }
        return new Graph(name, ts, g.ops(), g.inputs(), g.outputs());
    }

    /** Ops of the graph, for building variants. */
    public static List<Op> ops(Graph g) {
        return new ArrayList<>(g.ops());
    }
}
