package io.pipefarm.cli.partition;

import io.pipefarm.coordinator.api.Partition;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.coordinator.partition.service.StageChart;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segment;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.proto.partition.PartitionDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Files of a partition: segment {@code .tflite} files named like Coral's
 * ({@code <model>_segment_<i>_of_<k>.tflite}), the descriptor as {@code partition.pb} and as its JSON twin
 * {@code partition.json} (the same {@link Descriptors} as {@code partition fetch} writes), and a stage chart
 * {@code stages.svg} (latency per stage, and parameter bytes per stage against the on-chip cache line).
 */
public final class PartitionOutputs {
    private PartitionOutputs() {}

    /** What {@link #write} wrote, and the descriptor it wrote as partition.json. */
    public record Written(Path dir, List<Path> files, List<String> segmentKeys, Partition descriptor) {}

    /**
     * Writes the files of a standalone search of {@code modelRef} (resolved to {@code g}) that started at
     * {@code createdMs}.
     */
    public static Written write(Path dir, String modelRef, Graph g, PartitionResult r, String predictor, long createdMs)
            throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        Segmenter seg = new Segmenter();
        int k = r.stageCount();
        for (PartitionResult.Stage s : r.stages()) {
            Segment sg = seg.segment(g, s.start(), s.end());
            Path f = dir.resolve(Descriptors.segmentFileName(g.name(), s.index(), k));
            Files.write(f, sg.bytes());
            files.add(f);
            keys.add(sg.key());
        }
        Path svg = dir.resolve("stages.svg");
        Files.writeString(svg, svg(r));
        files.add(svg);
        PartitionDescriptor d =
                Descriptors.of(0, modelRef, g.size(), r, predictor, keys, createdMs, System.currentTimeMillis());
        Path desc = dir.resolve("partition.json");
        Files.writeString(desc, Descriptors.json(d) + "\n");
        files.add(desc);
        Path pb = dir.resolve("partition.pb");
        Files.write(pb, d.toByteArray());
        files.add(pb);
        return new Written(dir, List.copyOf(files), List.copyOf(keys), Descriptors.record(d));
    }

    /** The descriptor of a standalone search whose segments were not written (no keys). */
    public static Partition descriptor(String modelRef, Graph g, PartitionResult r, String predictor, long createdMs) {
        return Descriptors.record(
                Descriptors.of(0, modelRef, g.size(), r, predictor, null, createdMs, System.currentTimeMillis()));
    }

    /** Two panels: stage latency (predicted and measured bars), and parameter MiB with the on-chip cache line. */
    public static String svg(PartitionResult r) {
        return StageChart.svg(r);
    }
}
