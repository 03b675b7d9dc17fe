package io.pipefarm.bench;

import io.pipefarm.model.features.SegmentAggregates;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.tflite.TfliteWriter;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.ModelRef;
import io.pipefarm.model.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Model-side costs: per zoo model the time to build its graph and to write its .tflite bytes; then, for each
 * network of {@link Options#segmentNetworks()}, the time to compute the static features of all O(n^2)
 * contiguous segments and to write all their .tflite bytes.
 */
public final class ModelExperiment {
    /** The reference cell of the NASBench-101 check, the network named {@code nasbench}. */
    public static final int[][] REFERENCE_MATRIX = {
        {0, 1, 1, 1, 1, 0, 0},
        {0, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 0, 1, 0},
        {0, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 0, 0, 0}
    };

    public static final List<String> REFERENCE_OPS = List.of(
            CellSpec.INPUT,
            CellSpec.CONV3X3,
            CellSpec.CONV1X1,
            CellSpec.MAXPOOL3X3,
            CellSpec.CONV3X3,
            CellSpec.CONV3X3,
            CellSpec.OUTPUT);

    private ModelExperiment() {}

    /**
     * @param models          zoo models of the first table
     * @param segmentNetworks networks of the all-segments table: {@code nasbench} (the reference cell) or any model reference
     * @param repeat          feature runs per network (the best is reported next to the first, cold one)
     * @param writeSegments   also write the bytes of every segment
     */
    public record Options(List<String> models, List<String> segmentNetworks, int repeat, boolean writeSegments) {
        public Options {
            if (repeat < 1) throw new IllegalArgumentException("repeat must be >= 1, got " + repeat);
            models = List.copyOf(models);
            segmentNetworks = List.copyOf(segmentNetworks);
        }
    }

    /** One zoo model's figures. */
    public record ModelRow(String name, int ops, double buildMs, double writeMs, long bytes) {}

    /** One network's all-segments figures. */
    public record SegmentRow(
            String network,
            int ops,
            int segments,
            double featuresColdMs,
            double featuresMs,
            double writeMs,
            long totalBytes,
            long maxBytes,
            boolean wrote) {}

    /** Both tables and where they were measured. */
    public record Result(String java, int cpus, long maxHeapMiB, List<ModelRow> models, List<SegmentRow> segments) {
        public Result {
            models = List.copyOf(models);
            segments = List.copyOf(segments);
        }
    }

    /** Runs both tables; {@code progress} hears what is being measured. */
    public static Result run(Options o, Consumer<String> progress) {
        for (String m : o.models()) ModelZoo.info(m); // unknown names fail before any work
        List<ModelRow> rows = new ArrayList<>();
        for (String m : o.models()) {
            progress.accept("building " + m);
            rows.add(benchModel(m));
        }
        List<SegmentRow> segs = new ArrayList<>();
        for (String net : o.segmentNetworks()) {
            Graph g = network(net);
            progress.accept("segments of " + net + " (" + g.size() + " ops)");
            segs.add(benchSegments(net, g, o.repeat(), o.writeSegments()));
        }
        Runtime rt = Runtime.getRuntime();
        return new Result(
                System.getProperty("java.version"), rt.availableProcessors(), rt.maxMemory() >> 20, rows, segs);
    }

    /** The graph of a network name: {@code nasbench} is the reference cell, anything else a model reference. */
    public static Graph network(String name) {
        if (name.equals("nasbench")) return ModelZoo.nasbench(CellSpec.of(REFERENCE_MATRIX, REFERENCE_OPS));
        return ModelRef.resolve(name);
    }

    public static ModelRow benchModel(String name) {
        long t0 = System.nanoTime();
        Graph g = ModelZoo.build(name);
        long t1 = System.nanoTime();
        byte[] bytes = new TfliteWriter().write(g);
        long t2 = System.nanoTime();
        return new ModelRow(name, g.size(), (t1 - t0) / 1e6, (t2 - t1) / 1e6, bytes.length);
    }

    public static SegmentRow benchSegments(String name, Graph g, int repeat, boolean write) {
        double cold = 0, best = Double.MAX_VALUE;
        int count = 0;
        for (int r = 0; r < repeat; r++) {
            long t0 = System.nanoTime();
            SegmentAggregates a = SegmentAggregates.of(g);
            double[] f = null;
            double sink = 0;
            int n = a.size();
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j <= n; j++) {
                    f = a.features(i, j, f);
                    sink += f[1];
                }
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (sink < 0) throw new IllegalStateException(); // keeps the loop from being optimised away
            if (r == 0) cold = ms;
            best = Math.min(best, ms);
            count = a.segmentCount();
        }
        long total = 0, max = 0;
        double writeMs = 0;
        if (write) {
            TfliteWriter w = TfliteWriter.canonical();
            long t0 = System.nanoTime();
            int n = g.size();
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j <= n; j++) {
                    long b = w.writeBuffer(Segmenter.subgraph(g, i, j)).remaining();
                    total += b;
                    max = Math.max(max, b);
                }
            }
            writeMs = (System.nanoTime() - t0) / 1e6;
        }
        return new SegmentRow(name, g.size(), count, cold, best, writeMs, total, max, write);
    }
}
