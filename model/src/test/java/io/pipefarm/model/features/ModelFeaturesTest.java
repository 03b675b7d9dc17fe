package io.pipefarm.model.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class ModelFeaturesTest {

    /** Every aggregate of every segment equals the direct computation from the IR. */
    static void checkAgainstIr(Graph g) {
        SegmentAggregates a = SegmentAggregates.of(g);
        int n = g.size();
        assertEquals(n * (n + 1) / 2, a.segmentCount());
        for (int i = 0; i < n; i++) {
            long macs = 0, params = 0, act = 0;
            int[] types = new int[OpType.values().length];
            for (int j = i + 1; j <= n; j++) {
                Op op = g.op(j - 1);
                macs += OpCost.macs(g, op);
                params += OpCost.paramBytes(g, op);
                act += OpCost.activationBytes(g, op);
                types[op.type().ordinal()]++;
                Graph.SegmentIo io = g.segmentIo(i, j);
                long in = 0, out = 0;
                for (int t : io.inputs()) in += g.tensor(t).byteSize();
                for (int t : io.outputs()) out += g.tensor(t).byteSize();
                String at = g.name() + " [" + i + "," + j + ")";
                assertEquals(macs, a.macs(i, j), at);
                assertEquals(params, a.paramBytes(i, j), at);
                assertEquals(act, a.activationBytes(i, j), at);
                assertEquals(in, a.inputBytes(i, j), at);
                assertEquals(out, a.outputBytes(i, j), at);
                assertEquals(spill(g, i, j), a.spillBytes(i, j), at);
                for (OpType t : OpType.values()) assertEquals(types[t.ordinal()], a.opCount(t, i, j), at);
                double[] f = a.features(i, j, null);
                assertEquals(j - i, (int) f[0]);
                assertEquals(g.crossingBytes(i), (long) f[6]);
            }
        }
    }

    /** Direct first-fit placement of whole constant tensors of ops i..j-1 into the cache. */
    static long spill(Graph g, int i, int j) {
        BitSet seen = new BitSet();
        long free = SegmentAggregates.PARAM_CACHE_BYTES, spilled = 0;
        for (int k = i; k < j; k++) {
            for (int t : g.op(k).inputs()) {
                if (t < 0 || seen.get(t)) continue;
                Tensor x = g.tensor(t);
                if (!x.isConstant()) continue;
                seen.set(t);
                if (x.byteSize() <= free) free -= x.byteSize();
                else spilled += x.byteSize();
            }
        }
        return spilled;
    }

    @Test
    void matchesTheIrOnBranchingModels() {
        checkAgainstIr(ModelZoo.build("squeezenet"));
        checkAgainstIr(ModelZoo.build("mobilenet_v2"));
        checkAgainstIr(ModelZoo.nasbench(NasBenchSampler.sample(1, 7).get(0)));
        checkAgainstIr(ModelZoo.fc(8, 16, 3));
        checkAgainstIr(ModelZoo.build("vgg16")); // spills the parameter cache
    }

    /** The CPU-oriented aggregates are sums over the segment's ops, computed here from the IR directly. */
    @Test
    void cpuAggregatesMatchTheIr() {
        for (Graph g : new Graph[] {
            ModelZoo.build("mobilenet_v2"),
            ModelZoo.nasbench(NasBenchSampler.sample(1, 7).get(0)),
            ModelZoo.build("squeezenet")
        }) {
            SegmentAggregates a = SegmentAggregates.of(g);
            int n = g.size();
            int c1 = SegmentAggregates.featureIndex("conv1x1Macs"), ck = SegmentAggregates.featureIndex("convKxKMacs");
            int im = SegmentAggregates.featureIndex("im2colBytes"),
                    pad = SegmentAggregates.featureIndex("cpuPaddedConvMacs");
            int n1 = SegmentAggregates.featureIndex("nConv1x1"), nk = SegmentAggregates.featureIndex("nConvKxK");
            int cc = SegmentAggregates.featureIndex("concatBytes"), ad = SegmentAggregates.featureIndex("addBytes");
            int pl = SegmentAggregates.featureIndex("poolInBytes");
            for (int i = 0; i < n; i += Math.max(1, n / 17)) {
                double one = 0, kxk = 0, im2col = 0, padded = 0, cat = 0, add = 0, pool = 0;
                int ones = 0, kxks = 0, convs = 0;
                for (int j = i + 1; j <= n; j++) {
                    Op op = g.op(j - 1);
                    switch (op.type()) {
                        case CONV_2D -> {
                            Tensor w = g.tensor(op.input(1));
                            Tensor out = g.tensor(op.output(0));
                            long pixels = (long) out.dim(1) * out.dim(2);
                            long red = (long) w.dim(1) * w.dim(2) * w.dim(3);
                            if (w.dim(1) * w.dim(2) == 1) {
                                one += OpCost.macs(g, op);
                                ones++;
                            } else {
                                kxk += OpCost.macs(g, op);
                                kxks++;
                                im2col += pixels * red;
                            }
                            padded += pixels * (Math.ceil(w.dim(0) / 8.0) * 8) * (Math.ceil(red / 8.0) * 8);
                            convs++;
                        }
                        case CONCATENATION -> cat += OpCost.activationBytes(g, op);
                        case ADD, MUL -> add += OpCost.activationBytes(g, op);
                        case MAX_POOL_2D, AVERAGE_POOL_2D, MEAN ->
                            pool += g.tensor(op.input(0)).byteSize();
                        default -> {}
                    }
                    double[] f = a.features(i, j, null);
                    String at = g.name() + " [" + i + "," + j + ")";
                    assertEquals(one, f[c1], 1e-6 * one, at);
                    assertEquals(kxk, f[ck], 1e-6 * kxk, at);
                    assertEquals(im2col, f[im], 1e-6 * im2col, at);
                    assertEquals(padded, f[pad], 1e-6 * padded, at);
                    assertEquals(ones, (int) f[n1], at);
                    assertEquals(kxks, (int) f[nk], at);
                    assertEquals(convs, a.opCount(OpType.CONV_2D, i, j), at);
                    assertEquals(cat, f[cc], 1e-6 * cat, at);
                    assertEquals(add, f[ad], 1e-6 * add, at);
                    assertEquals(pool, f[pl], 1e-6 * pool, at);
                    assertTrue(f[pad] >= f[c1] + f[ck] - 1e-6 * f[pad], at);
                }
            }
            assertEquals(SegmentAggregates.featureCount(), SegmentAggregates.featureNames().length);
        }
    }

    @Test
    void poolWindowsAreClippedAtSameBorders() {
        assertEquals(2 + 3 * 30 + 2, SegmentAggregates.validWindow(32, 32, 3, 1, true));
        assertEquals(2 + 3 * 6 + 2, SegmentAggregates.validWindow(8, 8, 3, 1, true));
        assertEquals(32, SegmentAggregates.validWindow(32, 16, 2, 2, false));
        assertEquals(32, SegmentAggregates.validWindow(32, 16, 2, 2, true));
    }

    @Test
    void segmentOfModelEqualsStandaloneSegment() {
        Graph g = ModelZoo.build("mobilenet_v2");
        ModelFeatures mf = ModelFeatures.of(g);
        int[][] ranges = {{0, 5}, {3, 30}, {10, g.size()}, {0, g.size()}};
        for (int[] r : ranges) {
            SegmentFeatures s = mf.segment(r[0], r[1]);
            SegmentFeatures alone = ModelFeatures.ofSegment(Segmenter.subgraph(g, r[0], r[1]));
            double[] a = s.aggregates(), b = alone.aggregates();
            for (int k = 0; k < a.length; k++) {
                assertEquals(
                        a[k],
                        b[k],
                        1e-6 * Math.max(1, Math.abs(a[k])),
                        "feature " + SegmentFeatures.AGGREGATE_NAMES.get(k) + " of " + s);
            }
            float[][] ta = s.tokens(), tb = alone.tokens();
            assertEquals(ta.length, tb.length);
            for (int k = 0; k < ta.length; k++) assertArrayEquals(ta[k], tb[k], 1e-5f, "token " + k + " of " + s);
        }
    }

    @Test
    void tokensCarryCumulativeParamsAndOneHot() {
        Graph g = ModelZoo.build("mobilenet_v2");
        SegmentFeatures s = ModelFeatures.of(g).segment(2, 12);
        float[][] t = s.tokens();
        assertEquals(10, t.length);
        assertEquals(OpTokens.DIM, t[0].length);
        assertEquals(OpTokens.DIM, SegmentFeatures.TOKEN_NAMES.size());
        assertEquals(SegmentAggregates.featureCount(), SegmentFeatures.AGGREGATE_NAMES.size());
        long cum = 0;
        for (int k = 0; k < 10; k++) {
            Op op = g.op(2 + k);
            cum += OpCost.paramBytes(g, op);
            assertEquals(1f, t[k][op.type().ordinal()]);
            assertEquals((double) cum / SegmentAggregates.PARAM_CACHE_BYTES, t[k][OpTokens.CUM], 1e-6);
        }
    }

    @Test
    void allSegmentsOfLargeModelsAreFast() {
        for (Graph g : new Graph[] {
            ModelZoo.build("mobilenet_v2"),
            ModelZoo.nasbench(NasBenchSampler.sample(1, 3).get(0))
        }) {
            long t0 = System.nanoTime();
            ModelFeatures mf = ModelFeatures.of(g);
            int n = mf.size();
            double[] buf = new double[SegmentAggregates.featureCount()];
            double sink = 0;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j <= n; j++) sink += mf.segment(i, j).aggregates(buf)[1];
            double s = (System.nanoTime() - t0) / 1e9;
            assertTrue(sink > 0);
            assertTrue(s < 1.0, g.name() + ": all-segment features took " + s + " s");
        }
    }

    @Test
    void badRangesAreRefused() {
        ModelFeatures mf = ModelFeatures.of(ModelZoo.fc(8, 16, 3));
        assertThrows(IllegalArgumentException.class, () -> mf.segment(2, 2));
        assertThrows(IllegalArgumentException.class, () -> mf.segment(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> mf.segment(0, mf.size() + 1));
    }
}
