package io.pipefarm.cli.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.tflite.TfliteWriter;
import io.pipefarm.model.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pipefarm models export}. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Write a model as an int8 .tflite file.",
            "The model is a zoo NAME (see models list), fc:INPUTS,WIDTH,DEPTH, nasbench:{...},",
            "or given by --nasbench-spec or --fc."
        })
public final class ExportModelCommand extends BaseCommand {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "zoo model name (or fc:64,2048,4 or nasbench:{...})")
    String name;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "FILE.tflite",
            description = "output file")
    Path out;

    @Option(
            names = "--nasbench-spec",
            paramLabel = "JSON",
            description =
                    "a NASBench-101 cell: '{\"matrix\": [[...]], \"ops\": [...]}' (or a one-element list, or @FILE)")
    String nasbenchSpec;

    @Option(
            names = "--fc",
            paramLabel = "INPUTS,WIDTH,DEPTH",
            description = "a fully connected network, e.g. 64,2048,4")
    String fc;

    @Override
    protected int run() throws Exception {
        int given = (name != null ? 1 : 0) + (nasbenchSpec != null ? 1 : 0) + (fc != null ? 1 : 0);
        if (given != 1) {
            throw CliException.usage("give exactly one model: a NAME, --nasbench-spec or --fc (known names: "
                    + String.join(", ", ModelZoo.names()) + ")");
        }
        Graph g = name != null
                ? ModelRefs.build(name)
                : nasbenchSpec != null
                        ? ModelZoo.nasbench(ModelRefs.cell(nasbenchSpec, "--nasbench-spec"))
                        : ModelRefs.fc(fc, "--fc");
        byte[] bytes = new TfliteWriter().write(g);
        write(out, bytes);
        String sha = Segmenter.sha256(bytes);
        if (json) {
            ObjectNode o = Json.object();
            o.put("file", out.toString());
            o.put("model", g.name());
            o.put("ops", g.size());
            o.put("tensors", g.tensors().size());
            o.put("bytes", bytes.length);
            o.put("params", OpCost.totalParamCount(g));
            o.put("paramBytes", OpCost.totalParamBytes(g));
            o.put("macs", OpCost.totalMacs(g));
            o.put("sha256", sha);
            printJson(o);
        } else {
            out().printf(
                            "wrote %s: %s, %d ops, %s bytes, %s MACs, sha256 %s%n",
                            out,
                            g.name(),
                            g.size(),
                            Table.grouped(bytes.length),
                            Table.grouped(OpCost.totalMacs(g)),
                            sha.substring(0, 16));
        }
        return 0;
    }

    /** Writes through a temporary file in the same directory, so a failed write leaves no half file. */
    static void write(Path file, byte[] bytes) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        if (Files.isDirectory(abs)) throw CliException.usage(file + ": is a directory");
        Path tmp = abs.resolveSibling(
                "." + abs.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
