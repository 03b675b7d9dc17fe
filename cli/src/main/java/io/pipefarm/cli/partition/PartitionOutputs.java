package io.pipefarm.cli.partition;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.service.StageChart;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segment;
import io.pipefarm.model.segment.Segmenter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Files of a partition: segment {@code .tflite} files named like Coral's
 * ({@code <model>_segment_<i>_of_<k>.tflite}), a descriptor {@code partition.json}, and a stage chart
 * {@code stages.svg} (latency per stage, and parameter bytes per stage against the on-chip cache line).
 */
public final class PartitionOutputs {
    private PartitionOutputs() {}

    public record Written(Path dir, List<Path> files, List<String> segmentKeys) {}

    public static String segmentFileName(String model, int i, int k) {
        return safe(model) + "_segment_" + i + "_of_" + k + ".tflite";
    }

    static String safe(String s) { return s.replaceAll("[^A-Za-z0-9_.-]", "_"); }

    public static Written write(Path dir, Graph g, PartitionResult r, String predictor) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        Segmenter seg = new Segmenter();
        int k = r.stageCount();
        for (PartitionResult.Stage s : r.stages()) {
            Segment sg = seg.segment(g, s.start(), s.end());
            Path f = dir.resolve(segmentFileName(g.name(), s.index(), k));
            Files.write(f, sg.bytes());
            files.add(f);
            keys.add(sg.key());
        }
        Written w0 = new Written(dir, files, keys);
        Path svg = dir.resolve("stages.svg");
        Files.writeString(svg, svg(r));
        files.add(svg);
        Path desc = dir.resolve("partition.json");
        files.add(desc);
        Written w = new Written(dir, List.copyOf(files), keys);
        Files.writeString(desc, Json.write(descriptor(g, r, predictor, w0)) + "\n");
        Path pb = dir.resolve("partition.pb");
        Files.write(pb, io.pipefarm.coordinator.partition.service.Descriptors.of(0, g.name(), g.size(), r, predictor, keys, 0, 0).toByteArray());
        files.add(pb);
        w = new Written(dir, List.copyOf(files), keys);
        return w;
    }

    /** The descriptor (JSON object). */
    public static ObjectNode descriptor(Graph g, PartitionResult r, String predictor, Written w) {
        ObjectNode o = Json.object();
        o.put("model", r.model());
        o.put("ops", g.size());
        o.put("device_kind", r.deviceKind());
        o.put("method", r.method());
        o.put("stages", r.stageCount());
        ArrayNode cuts = o.putArray("cuts");
        for (int c : r.cuts()) cuts.add(c);
        o.put("objective_from", r.objectiveFrom());
        o.put("bottleneck_ms", r.bottleneckNs() / 1e6);
        o.put("throughput_per_s", r.throughputPerSec());
        o.put("end_to_end_ms", r.endToEndNs() / 1e6);
        o.put("predictor", predictor);
        ArrayNode st = o.putArray("stage_list");
        for (PartitionResult.Stage s : r.stages()) {
            ObjectNode so = st.addObject();
            so.put("index", s.index());
            so.put("start", s.start());
            so.put("end", s.end());
            so.put("ops", s.ops());
            if (Double.isFinite(s.predictedNs())) so.put("predicted_ms", s.predictedNs() / 1e6); else so.putNull("predicted_ms");
            if (Double.isFinite(s.measuredNs())) so.put("measured_ms", s.measuredNs() / 1e6); else so.putNull("measured_ms");
            so.put("measured_by_search", s.measuredBySearch());
            so.put("param_bytes", s.paramBytes());
            so.put("on_chip_cache_bytes", s.cacheBytes());
            so.put("fits_on_chip", s.fitsOnChip());
            so.put("input_bytes", s.inputBytes());
            so.put("output_bytes", s.outputBytes());
            so.put("bytes_across_cut_after", s.cutBytesAfter());
            if (w != null) {
                so.put("file", segmentFileName(g.name(), s.index(), r.stageCount()));
                so.put("key", w.segmentKeys().get(s.index()));
            }
        }
        ObjectNode c = o.putObject("search_cost");
        c.put("segments_profiled", r.cost().segmentsProfiled());
        c.put("probes", r.cost().probes());
        c.put("device_time_s", r.cost().deviceTimeNs() / 1e9);
        c.put("compute_ms", r.cost().computeNs() / 1e6);
        c.put("candidates", r.cost().candidates());
        c.put("rounds", r.cost().rounds());
        return o;
    }

    /** Two panels: stage latency (predicted and measured bars), and parameter MiB with the on-chip cache line. */
    public static String svg(PartitionResult r) { return StageChart.svg(r); }
}
