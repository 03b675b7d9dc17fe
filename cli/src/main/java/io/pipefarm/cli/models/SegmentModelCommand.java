package io.pipefarm.cli.models;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pipefarm models segment}. */
@Command(
        name = "segment",
        mixinStandardHelpOptions = true,
        description = {
            "Cut a .tflite model at the given op positions and write each segment as a standalone .tflite",
            "(<model>_segment_<i>_of_<k>.tflite) plus segments.json (index, range [i,j), key, bytes, input/output tensors).",
            "Segment [i,j) holds ops i..j-1; cuts are positions 1..n-1, strictly increasing."
        })
public final class SegmentModelCommand extends BaseCommand {
    @Parameters(paramLabel = "FILE.tflite", description = "the model file")
    Path file;

    @Option(names = "--cuts", required = true, paramLabel = "C1,C2,...", description = "cut positions, e.g. 12,40")
    String cuts;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "DIR",
            description = "output directory (created if missing)")
    Path outDir;

    @Override
    protected int run() throws Exception {
        int[] cs = ModelRefs.parseCuts(cuts, "--cuts");
        Graph g = InspectModelCommand.read(file);
        Segmenter.checkCuts(g, cs); // IllegalArgumentException -> exit 2 with the message
        if (Files.exists(outDir) && !Files.isDirectory(outDir))
            throw CliException.usage(outDir + ": exists and is not a directory");
        Files.createDirectories(outDir);
        String stem = file.getFileName().toString().replaceFirst("\\.tflite$", "");
        int k = cs.length + 1;
        ObjectNode doc = Json.object();
        doc.put("model", g.name());
        doc.put("source", file.toString());
        doc.put("ops", g.size());
        ArrayNode ca = doc.putArray("cuts");
        for (int c : cs) ca.add(c);
        ArrayNode segs = doc.putArray("segments");
        Table t = new Table("#", "range", "ops", "bytes", "key", "file", "inputs", "outputs");
        Segmenter segmenter = new Segmenter();
        int[] index = {0};
        Exception[] failure = {null};
        segmenter.forEachSegment(g, cs, s -> {
            if (failure[0] != null) return;
            int i = index[0]++;
            String name = stem + "_segment_" + i + "_of_" + k + ".tflite";
            try {
                ExportModelCommand.write(outDir.resolve(name), s.bytes());
            } catch (Exception e) {
                failure[0] = e;
                return;
            }
            ObjectNode o = segs.addObject();
            o.put("index", i);
            o.putArray("range").add(s.start()).add(s.end());
            o.put("key", s.key());
            o.put("bytes", s.bytes().length);
            o.put("file", name);
            ArrayNode in = o.putArray("inputs");
            for (int id : s.inputs()) in.add(g.tensor(id).name());
            ArrayNode outs = o.putArray("outputs");
            for (int id : s.outputs()) outs.add(g.tensor(id).name());
            t.row(
                    i,
                    "[" + s.start() + "," + s.end() + ")",
                    s.opCount(),
                    Table.grouped(s.bytes().length),
                    s.key().substring(0, 12),
                    name,
                    names(g, s.inputs()),
                    names(g, s.outputs()));
        });
        if (failure[0] != null) throw failure[0];
        Files.writeString(outDir.resolve("segments.json"), Json.write(doc) + "\n", StandardCharsets.UTF_8);
        if (json) {
            printJson(doc);
        } else {
            out().printf(
                            "%s: %d ops cut at %s into %d segments in %s%n",
                            file, g.size(), cs.length == 0 ? "(no cuts)" : cuts.replace(" ", ""), k, outDir);
            t.print(out());
            out().println("wrote " + outDir.resolve("segments.json"));
        }
        return 0;
    }

    private static String names(Graph g, int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids)
            sb.append(sb.length() == 0 ? "" : ",").append(g.tensor(id).name());
        String s = sb.toString();
        return s.length() > 48 ? s.substring(0, 45) + "..." : s;
    }
}
