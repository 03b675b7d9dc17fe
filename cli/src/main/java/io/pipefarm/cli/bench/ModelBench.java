package io.pipefarm.cli.bench;

import io.pipefarm.model.features.SegmentAggregates;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.tflite.TfliteWriter;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipefarm bench model}: per zoo model the time to build its graph and to write its .tflite
 * bytes; then, for a NASBench-101 network (the reference cell) and MobileNet v2, the time to compute
 * the static features of all O(n^2) contiguous segments and to write all their .tflite bytes.
 */
@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Model-side costs: build and write time of each zoo model; features and .tflite bytes of",
            "ALL contiguous segments of a NASBench-101 network (reference cell) and of MobileNet v2."})
public final class ModelBench extends BaseCommand {
    /** The reference cell of the NASBench-101 check (DESIGN / model tests). */
    public static final int[][] REFERENCE_MATRIX = {
        {0, 1, 1, 1, 1, 0, 0}, {0, 0, 0, 0, 0, 0, 1}, {0, 0, 0, 0, 0, 0, 1}, {0, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 0, 1}, {0, 0, 0, 0, 0, 0, 0}};
    public static final List<String> REFERENCE_OPS = List.of(CellSpec.INPUT, CellSpec.CONV3X3, CellSpec.CONV1X1,
            CellSpec.MAXPOOL3X3, CellSpec.CONV3X3, CellSpec.CONV3X3, CellSpec.OUTPUT);

    @Option(names = "--models", paramLabel = "M1,M2",
            description = "zoo models of the first table (default: all; 'none' to skip)")
    List<String> models;

    @Option(names = "--segment-models", paramLabel = "NET,...",
            description = "networks of the all-segments table: nasbench (reference cell), any zoo name, fc:I,W,D "
                    + "(default: nasbench,mobilenet_v2; 'none' to skip)")
    List<String> segmentModels;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3",
            description = "feature runs per network; the best is reported next to the first (cold) one (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--no-write-segments", negatable = false, description = "skip writing the bytes of all segments")
    boolean noWriteSegments;

    /** One zoo model's figures. */
    public record ModelRow(String name, int ops, double buildMs, double writeMs, long bytes) {}

    /** One network's all-segments figures. */
    public record SegmentRow(String network, int ops, int segments, double featuresColdMs, double featuresMs,
                             double writeMs, long totalBytes, long maxBytes, boolean wrote) {}

    @Override
    protected int run() {
        if (repeat < 1) throw CliException.usage("--repeat must be >= 1");
        List<String> zoo = models == null ? ModelZoo.names() : split(models);
        List<String> nets = segmentModels == null ? List.of("nasbench", "mobilenet_v2") : split(segmentModels);
        for (String m : zoo) ModelZoo.info(m); // unknown names fail before any work (exit 2)

        boolean progress = !json;
        List<ModelRow> rows = new ArrayList<>();
        for (String m : zoo) {
            if (progress) status("building " + m);
            rows.add(benchModel(m));
        }
        List<SegmentRow> segs = new ArrayList<>();
        for (String net : nets) {
            Graph g = network(net);
            if (progress) status("segments of " + net + " (" + g.size() + " ops)");
            segs.add(benchSegments(net, g, repeat, !noWriteSegments));
        }
        if (progress) status(null);

        if (json) {
            ObjectNode o = Json.object();
            o.put("benchmark", "model");
            o.put("java", System.getProperty("java.version"));
            o.put("cpus", Runtime.getRuntime().availableProcessors());
            o.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
            ArrayNode a = o.putArray("models");
            for (ModelRow r : rows) a.add(Json.MAPPER.valueToTree(r));
            ArrayNode s = o.putArray("segments");
            for (SegmentRow r : segs) s.add(Json.MAPPER.valueToTree(r));
            printJson(o);
            return 0;
        }
        if (!rows.isEmpty()) {
            Table t = new Table("model", "ops", "build ms", "write ms", ".tflite bytes");
            for (ModelRow r : rows) t.row(r.name(), r.ops(), Table.fixed(r.buildMs(), 1), Table.fixed(r.writeMs(), 1), Table.grouped(r.bytes()));
            t.print(out());
        }
        if (!segs.isEmpty()) {
            if (!rows.isEmpty()) out().println();
            Table t = new Table("network", "ops", "segments", "features ms (cold)", "features ms (best)", "write all ms", "total bytes", "largest");
            for (SegmentRow r : segs) {
                t.row(r.network(), r.ops(), Table.grouped(r.segments()), Table.fixed(r.featuresColdMs(), 1), Table.fixed(r.featuresMs(), 1),
                        r.wrote() ? Table.fixed(r.writeMs(), 0) : "-", r.wrote() ? Table.bytes(r.totalBytes()) : "-",
                        r.wrote() ? Table.bytes(r.maxBytes()) : "-");
            }
            t.print(out());
            out().println("features: MACs, parameter/activation bytes, op-type counts (prefix sums) and input/output/crossing bytes of every segment [i,j)");
        }
        return 0;
    }

    /** Comma-separated or repeated values ({@code fc:I,W,D} kept whole); "none" means an empty list. */
    private static List<String> split(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) out.addAll(io.pipefarm.cli.models.ModelRefs.splitList(v));
        return out.equals(List.of("none")) ? List.of() : out;
    }

    private void status(String what) {
        if (!io.pipefarm.cli.ui.ProgressBar.stdoutIsTerminal()) return;
        err().print("\r\033[K" + (what == null ? "" : what + "..."));
        err().flush();
    }

    /** The graph of a network name of {@code --segment-models}. */
    public static Graph network(String name) {
        if (name.equals("nasbench")) return ModelZoo.nasbench(CellSpec.of(REFERENCE_MATRIX, REFERENCE_OPS));
        return io.pipefarm.cli.models.ModelRefs.build(name);
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
            if (sink < 0) throw new IllegalStateException(); // keep the loop
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
