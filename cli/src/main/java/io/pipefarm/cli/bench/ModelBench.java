package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.bench.ModelExperiment;
import io.pipefarm.bench.ModelExperiment.ModelRow;
import io.pipefarm.bench.ModelExperiment.SegmentRow;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.models.ModelRefs;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.ProgressBar;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.model.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipefarm bench model}: prints {@link ModelExperiment}. */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Model-side costs: build and write time of each zoo model; features and .tflite bytes of",
            "ALL contiguous segments of a NASBench-101 network (reference cell) and of MobileNet v2."
        })
public final class ModelBench extends BaseCommand {

    @Option(
            names = "--models",
            paramLabel = "M1,M2",
            description = "zoo models of the first table (default: all; 'none' to skip)")
    List<String> models;

    @Option(
            names = "--segment-models",
            paramLabel = "NET,...",
            description = "networks of the all-segments table: nasbench (reference cell), any zoo name, fc:I,W,D "
                    + "(default: nasbench,mobilenet_v2; 'none' to skip)")
    List<String> segmentModels;

    @Option(
            names = "--repeat",
            paramLabel = "N",
            defaultValue = "3",
            description =
                    "feature runs per network; the best is reported next to the first (cold) one (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--no-write-segments", negatable = false, description = "skip writing the bytes of all segments")
    boolean noWriteSegments;

    @Override
    protected int run() {
        if (repeat < 1) throw CliException.usage("--repeat must be >= 1");
        List<String> zoo = models == null ? ModelZoo.names() : split(models);
        List<String> nets = segmentModels == null ? List.of("nasbench", "mobilenet_v2") : split(segmentModels);
        for (String m : zoo)
            ModelZoo.info(m); // unknown names fail before any work (exit 2, as any IllegalArgumentException)
        ModelExperiment.Result r = ModelExperiment.run(
                new ModelExperiment.Options(zoo, nets, repeat, !noWriteSegments), json ? s -> {} : this::status);
        status(null);
        if (json) {
            ObjectNode o = Json.object();
            o.put("benchmark", "model");
            o.put("java", r.java());
            o.put("cpus", r.cpus());
            o.put("maxHeapMiB", r.maxHeapMiB());
            ArrayNode a = o.putArray("models");
            for (ModelRow m : r.models()) a.add(Json.MAPPER.valueToTree(m));
            ArrayNode s = o.putArray("segments");
            for (SegmentRow m : r.segments()) s.add(Json.MAPPER.valueToTree(m));
            printJson(o);
            return 0;
        }
        if (!r.models().isEmpty()) {
            Table t = new Table("model", "ops", "build ms", "write ms", ".tflite bytes");
            for (ModelRow m : r.models())
                t.row(
                        m.name(),
                        m.ops(),
                        Table.fixed(m.buildMs(), 1),
                        Table.fixed(m.writeMs(), 1),
                        Table.grouped(m.bytes()));
            t.print(out());
        }
        if (!r.segments().isEmpty()) {
            if (!r.models().isEmpty()) out().println();
            Table t = new Table(
                    "network",
                    "ops",
                    "segments",
                    "features ms (cold)",
                    "features ms (best)",
                    "write all ms",
                    "total bytes",
                    "largest");
            for (SegmentRow m : r.segments()) {
                t.row(
                        m.network(),
                        m.ops(),
                        Table.grouped(m.segments()),
                        Table.fixed(m.featuresColdMs(), 1),
                        Table.fixed(m.featuresMs(), 1),
                        m.wrote() ? Table.fixed(m.writeMs(), 0) : "-",
                        m.wrote() ? Table.bytes(m.totalBytes()) : "-",
                        m.wrote() ? Table.bytes(m.maxBytes()) : "-");
            }
            t.print(out());
            out().println(
                            "features: MACs, parameter/activation bytes, op-type counts (prefix sums) and input/output/crossing bytes of every segment [i,j)");
        }
        return 0;
    }

    /** Comma-separated or repeated values ({@code fc:I,W,D} kept whole); "none" means an empty list. */
    private static List<String> split(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) out.addAll(ModelRefs.splitList(v));
        return out.equals(List.of("none")) ? List.of() : out;
    }

    private void status(String what) {
        if (json || !ProgressBar.stdoutIsTerminal()) return;
        err().print("\r\033[K" + (what == null ? "" : what + "..."));
        err().flush();
    }
}
