package io.pipefarm.cli.farm;

import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.partition.PartitionResult;

/** How the demo prints a partition's stages. */
final class DemoLoop {
    private DemoLoop() {}

    static String stageTable(PartitionResult r) {
        Table t = new Table("stage", "ops", "predicted ms", "measured ms", "params MiB", "fits on chip", "MiB out");
        for (PartitionResult.Stage s : r.stages()) {
            t.row(
                    s.index(),
                    "[" + s.start() + "," + s.end() + ")",
                    fmt(s.predictedNs() / 1e6),
                    fmt(s.measuredNs() / 1e6),
                    String.format("%.2f", s.paramBytes() / 1048576.0),
                    s.fitsOnChip() ? "yes" : "no",
                    String.format("%.3f", s.outputBytes() / 1048576.0));
        }
        return t.render();
    }

    private static String fmt(double ms) {
        return Double.isNaN(ms) ? "-" : String.format("%.3f", ms);
    }
}
