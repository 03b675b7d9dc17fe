package io.pipefarm.model.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Activation;
import io.pipefarm.model.graph.DType;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.GraphBuilder;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Padding;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteWriter;
import io.pipefarm.model.zoo.FcNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeTpuSimulatorTest {
    private final EdgeTpuSimulator usb = new EdgeTpuSimulator(EdgeTpuSimConfig.usb());
    private final EdgeTpuSimulator pci = new EdgeTpuSimulator(EdgeTpuSimConfig.pci());

    /** A small conv net: conv 3x3, depthwise, pointwise, pool, FC. */
    static Graph smallNet() {
        GraphBuilder b = new GraphBuilder("small", 7);
        int x = b.input("in", 1, 56, 56, 32);
        x = b.conv2d(x, 64, 3, 1, Padding.SAME, Activation.RELU6);
        x = b.depthwiseConv2d(x, 3, 2, Padding.SAME, Activation.RELU6);
        x = b.conv2d(x, 128, 1, 1, Padding.SAME, Activation.RELU6);
        x = b.avgPool(x, 28, 1, Padding.VALID);
        x = b.reshape(x, 1, 128);
        x = b.fullyConnected(x, 10, Activation.NONE);
        return b.build(x);
    }

    /** FC layers of the given widths on 64 inputs (weights only matter for the cache). */
    static Graph fcLayers(String name, int... widths) {
        GraphBuilder b = new GraphBuilder(name, 1);
        int x = b.input("in", 1, 64);
        for (int w : widths) x = b.fullyConnected(x, w, Activation.NONE);
        return b.build(x);
    }

    @Test
    void partsAddUpToLatency() {
        Graph g = smallNet();
        Estimate e = usb.estimate(g);
        assertEquals(e.latencyNs(), e.invokeOverheadNs() + e.transferNs() + e.opOverheadNs() + e.opsNs() + e.spillNs());
        assertEquals(g.size(), e.ops().size());
        assertEquals(OpCost.totalMacs(g), e.macs());
        assertEquals(OpCost.totalParamBytes(g), e.paramBytes());
        assertEquals(0, e.streamedParamBytes());
        assertTrue(e.fitsOnChip());
        assertEquals(0, e.spillNs());
        assertEquals(56 * 56 * 32, e.inputBytes());
        assertEquals(10, e.outputBytes());
        assertEquals(e.ops().stream().mapToLong(Estimate.OpEstimate::computeNs).sum(), e.computeNs());
        assertTrue(e.computeNs() > 0 && e.overheadNs() > 0);
        assertEquals(0, e.hostOps());
        assertEquals(e, usb.estimate(g), "estimates are noise-free and repeatable");
    }

    @Test
    void usbHasHigherOverheadsAndSlowerTransfersThanPcie() {
        Estimate u = usb.estimate(smallNet());
        Estimate p = pci.estimate(smallNet());
        assertTrue(u.invokeOverheadNs() > p.invokeOverheadNs());
        assertTrue(u.transferNs() > p.transferNs());
        assertEquals(u.transferBytes(), p.transferBytes());
    }

    @Test
    void utilisationReflectsOpShapes() {
        Graph g = smallNet();
        double conv = usb.utilisation(g, g.op(0));
        double dw = usb.utilisation(g, g.op(1));
        double pointwise = usb.utilisation(g, g.op(2));
        double fc = usb.utilisation(g, g.op(5));
        assertTrue(dw < conv / 3, "depthwise maps poorly onto the array: " + dw + " vs " + conv);
        assertTrue(fc < conv / 3, "FC at batch 1 is memory-bound: " + fc);
        assertTrue(conv > 0.2 && conv <= EdgeTpuSimConfig.usb().convEfficiency());
        assertTrue(pointwise > 0.1);
        assertEquals(0.0, usb.utilisation(g, g.op(4)), "reshape is not timed by MACs");
        assertEquals(0, usb.estimate(g).ops().get(4).computeNs(), "reshape is free");

        GraphBuilder b = new GraphBuilder("narrow", 1);
        int x = b.input("in", 1, 56, 56, 8);
        int y = b.conv2d(x, 8, 1, 1, Padding.SAME, Activation.NONE);
        Graph narrow = b.build(y);
        assertTrue(usb.utilisation(narrow, narrow.op(0)) < conv / 10, "small-channel convs fill little of the array");
    }

    @Test
    void fillFactors() {
        assertEquals(1.0, EdgeTpuSimulator.fill(64, 64));
        assertEquals(1.0, EdgeTpuSimulator.fill(128, 64));
        assertEquals(9.0 / 64, EdgeTpuSimulator.fill(9, 64), 1e-12);
        assertEquals(96.0 / 128, EdgeTpuSimulator.fill(96, 64), 1e-12);
    }

    @Test
    void cacheHoldsWholeTensorsFirstFitInExecutionOrder() {
        // Three FC layers: 64x1000 (64 KB), 1000x1000 (1 MB), 1000x1000 (1 MB) with a 1.2 MB cache.
        Graph g = fcLayers("three", 1000, 1000, 1000);
        long w0 = 64 * 1000, w1 = 1000 * 1000, bias = 1000 * 4;
        long cache = w0 + bias + w1 + bias + 50_000;
        EdgeTpuSimulator sim =
                new EdgeTpuSimulator(EdgeTpuSimConfig.usb().withOverrides(Map.of("paramCacheBytes", "" + cache)));
        Estimate e = sim.estimate(g);
        assertEquals(w1, e.streamedParamBytes(), "the third layer's weights do not fit and stream whole");
        assertEquals(w0 + w1 + 3 * bias, e.onChipParamBytes(), "its bias still fits (first fit)");
        Estimate.OpEstimate third = e.ops().get(2);
        assertEquals(w1, third.streamedParamBytes());
        assertEquals(bias, third.onChipParamBytes());
        assertTrue(third.streamNs() > third.computeNs(), "streaming dominates the op");
        assertEquals(Math.round(EdgeTpuSimConfig.usb().firstSpillNs()), e.spillNs());
        long expectStream = Math.round(w1 / EdgeTpuSimConfig.usb().streamBytesPerSec() * 1e9);
        assertEquals(expectStream, e.streamNs());
    }

    @Test
    void sharedConstantIsCachedOnce() {
        GraphBuilder b = new GraphBuilder("shared", 1);
        int x = b.input("in", 1, 8, 8, 16);
        int a = b.mulChannels(x, Activation.NONE);
        Graph g0 = b.build(a);
        // Rebuild with a second MUL reading the same constant tensor.
        List<Tensor> ts = new ArrayList<>(g0.tensors());
        List<Op> ops = new ArrayList<>(g0.ops());
        Op mul = g0.op(0);
        int out2 = ts.size();
        Tensor prev = g0.tensor(mul.output(0));
        ts.add(new Tensor(out2, "mul2", DType.INT8, prev.shape(), prev.quant(), null));
        ops.add(new Op(
                1,
                OpType.MUL,
                new int[] {mul.output(0), mul.input(1)},
                new int[] {out2},
                new OpOptions.Elementwise(Activation.NONE),
                1));
        Graph g = new Graph("shared", ts, ops, g0.inputs(), new int[] {out2});
        Estimate e = usb.estimate(g);
        assertEquals(16, e.paramBytes(), "the 16-byte scale is placed once");
        assertEquals(16, e.ops().get(0).onChipParamBytes());
        assertEquals(0, e.ops().get(1).onChipParamBytes());
    }

    @Test
    void fcSweepSpillsBetween1580And1620AndCostsAbout275MsPerMiB() {
        EdgeTpuSimConfig cfg = EdgeTpuSimConfig.usb();
        // Parameter bytes computed by hand: 64->h, 3 x (h->h), each with int32 biases, then h->10.
        for (int h : new int[] {1580, 1620}) {
            long bytes = 64L * h + 3L * h * h + 4L * h * 4 + 10L * h + 40;
            assertEquals(bytes, usb.estimate(FcNetwork.build(64, h, 4, 1)).paramBytes());
        }
        long fits = 64L * 1580 + 3L * 1580 * 1580 + 4L * 1580 * 4;
        long fourLayers1620 = 64L * 1620 + 3L * 1620 * 1620 + 4L * 1620 * 4;
        assertTrue(fits <= cfg.paramCacheBytes(), "hidden 1580 fits (" + fits / 1048576.0 + " MiB)");
        assertTrue(
                fourLayers1620 > cfg.paramCacheBytes(), "hidden 1620 spills (" + fourLayers1620 / 1048576.0 + " MiB)");

        Estimate e1580 = usb.estimate(FcNetwork.build(64, 1580, 4, 1));
        Estimate e1620 = usb.estimate(FcNetwork.build(64, 1620, 4, 1));
        assertTrue(e1580.fitsOnChip());
        assertEquals(0.22, e1580.latencyMillis(), 0.22 * 0.25, "no-spill point");
        assertEquals(1620L * 1620, e1620.streamedParamBytes(), "exactly the last hidden layer's weights spill");
        assertTrue(
                e1620.latencyNs() >= 20 * e1580.latencyNs(),
                "first spill is >= 20x slower: " + e1580.latencyMillis() + " -> " + e1620.latencyMillis());

        double[][] points = {{1980, 10.63}, {2020, 21.83}, {2620, 36.03}};
        Estimate prev = null;
        for (double[] p : points) {
            Estimate e = usb.estimate(FcNetwork.build(64, (int) p[0], 4, 1));
            assertEquals(p[1], e.latencyMillis(), p[1] * 0.25, "hidden " + (int) p[0]);
            if (prev != null) {
                double slope = (e.latencyMillis() - prev.latencyMillis())
                        / ((e.streamedParamBytes() - prev.streamedParamBytes()) / 1048576.0);
                assertEquals(2.75, slope, 0.3, "ms per streamed MiB");
            }
            prev = e;
        }
    }

    @Test
    void opaqueOpAndEverythingAfterRunOnTheHost() {
        GraphBuilder b = new GraphBuilder("fallback", 3);
        int x = b.input("in", 1, 28, 28, 32);
        int y = b.conv2d(x, 32, 3, 1, Padding.SAME, Activation.RELU);
        int y2 = b.maxPool(y, 1, 1, Padding.VALID); // placeholder, replaced by an opaque op below
        int z = b.conv2d(y2, 32, 3, 1, Padding.SAME, Activation.RELU);
        Graph g0 = b.build(z);
        List<Op> ops = new ArrayList<>(g0.ops());
        Op mid = ops.get(1);
        ops.set(
                1,
                new Op(
                        1,
                        OpType.OPAQUE,
                        mid.inputs(),
                        mid.outputs(),
                        new OpOptions.Opaque(999, "MyCustomOp", 1, 0, null, null),
                        1));
        Graph g = new Graph("fallback", g0.tensors(), ops, g0.inputs(), g0.outputs());
        assertEquals(1, EdgeTpuSimulator.firstHostOp(g));
        Estimate all = usb.estimate(g0);
        Estimate fb = usb.estimate(g);
        assertEquals(2, fb.hostOps(), "the opaque op and the conv after it");
        assertTrue(!fb.ops().get(0).onHost()
                && fb.ops().get(1).onHost()
                && fb.ops().get(2).onHost());
        assertEquals(0, fb.ops().get(2).onChipParamBytes(), "host ops keep their parameters on the host");
        assertEquals(28 * 28 * 32, fb.outputBytes(), "the tensor entering the host part comes back over the link");
        assertTrue(
                fb.latencyNs() > all.latencyNs(),
                "CPU fallback is slower: " + fb.latencyNs() + " vs " + all.latencyNs());
        assertEquals(0, all.hostOps());
    }

    @Test
    void noiseIsDeterministicPerSeedAndRun() {
        Graph g = smallNet();
        String key = EdgeTpuSimulator.modelKey(g);
        long a = usb.sampleRunNanos(g, 5, key);
        long b = new EdgeTpuSimulator(EdgeTpuSimConfig.usb()).sampleRunNanos(g, 5, key);
        assertEquals(a, b, "same seed, same run index -> same sample");
        assertNotEquals(a, usb.sampleRunNanos(g, 6, key), "another run index -> another sample");
        EdgeTpuSimulator other = new EdgeTpuSimulator(EdgeTpuSimConfig.usb().withOverrides(Map.of("seed", "99")));
        assertNotEquals(a, other.sampleRunNanos(g, 5, key), "another seed -> another sample");

        long est = usb.estimate(g).latencyNs();
        int n = 4000;
        double[] logs = new double[n];
        for (int i = 0; i < n; i++) logs[i] = Math.log(usb.sampleRunNanos(g, i, key) / (double) est);
        double mean = Arrays.stream(logs).average().orElseThrow();
        double sd =
                Math.sqrt(Arrays.stream(logs).map(v -> (v - mean) * (v - mean)).sum() / (n - 1));
        assertEquals(0.0, mean, 0.002, "median is the noise-free estimate");
        assertEquals(EdgeTpuSimConfig.usb().noiseSigma(), sd, 0.002, "lognormal sigma");

        EdgeTpuSimulator quiet = new EdgeTpuSimulator(EdgeTpuSimConfig.usb().withOverrides(Map.of("noiseSigma", "0")));
        assertEquals(quiet.estimate(g).latencyNs(), quiet.sampleRunNanos(g, 17, null));
    }

    @Test
    void modelSwitchReloadsCachedParameters() {
        EdgeTpuSimulator quiet = new EdgeTpuSimulator(EdgeTpuSimConfig.usb().withOverrides(Map.of("noiseSigma", "0")));
        Graph g = smallNet();
        String key = EdgeTpuSimulator.modelKey(g);
        long warm = quiet.sampleRunNanos(g, 0, key);
        long unknown = quiet.sampleRunNanos(g, 0, null);
        long switched = quiet.sampleRunNanos(g, 0, "some-other-model");
        assertEquals(warm, unknown, "no knowledge of the last model -> no reload");
        assertEquals(quiet.reloadNanos(g), switched - warm);
        EdgeTpuSimConfig c = quiet.config();
        long expect = Math.round(c.swapFixedNs() + quiet.estimate(g).onChipParamBytes() / c.reloadBytesPerSec() * 1e9);
        assertEquals(expect, quiet.reloadNanos(g));
        assertEquals(key, EdgeTpuSimulator.modelKey(smallNet()), "equal graphs share a key");
        assertNotEquals(key, EdgeTpuSimulator.modelKey(fcLayers("x", 10)));
    }

    @Test
    void switchCostsAbout11MsForA6To7MiBModel() {
        double published = CalibrationReport.PUBLISHED_SWITCH_MS;
        // 64 -> 2600 -> 2600: 6.45 MiB of weights, all cached.
        Graph g = fcLayers("six_and_a_half", 2600, 2600);
        Estimate e = usb.estimate(g);
        double mib = e.onChipParamBytes() / 1048576.0;
        assertTrue(mib > 6 && mib < 7 && e.fitsOnChip(), "cached MiB " + mib);
        double ms = usb.reloadNanos(g) / 1e6;
        assertEquals(published, ms, published * 0.30, "USB switch for " + mib + " MiB");
        double pciMs = pci.reloadNanos(g) / 1e6;
        assertTrue(pciMs >= mib * 1.048576 / 0.5, "PCIe Gen2 x1 cannot reload faster than 500 MB/s");
        assertEquals(published, pciMs, published * 0.45, "PCIe switch for " + mib + " MiB");
    }

    @Test
    void readsSegmentBlobs() throws Exception {
        Graph g = smallNet();
        byte[] blob = new TfliteWriter().write(g);
        Graph read = EdgeTpuSimulator.readSegment(blob);
        Estimate direct = usb.estimate(g);
        Estimate viaBlob = usb.estimate(read);
        assertEquals(direct.latencyNs(), viaBlob.latencyNs());
        assertEquals(direct.paramBytes(), viaBlob.paramBytes());
        String key = EdgeTpuSimulator.blobKey(blob);
        assertEquals(64, key.length());
        assertEquals(key, EdgeTpuSimulator.blobKey(blob.clone()));
    }
}
