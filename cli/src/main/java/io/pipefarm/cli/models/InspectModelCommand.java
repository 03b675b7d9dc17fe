package io.pipefarm.cli.models;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pipefarm models inspect}. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Show the ops of a .tflite file: type, output shape, parameter bytes, MACs, and totals.",
            "Ops the IR does not know are kept opaque and listed separately (their MACs are not counted)."
        })
public final class InspectModelCommand extends BaseCommand {
    @Parameters(paramLabel = "FILE.tflite", description = "the model file")
    Path file;

    @Override
    protected int run() throws Exception {
        Graph g = read(file);
        long size = Files.size(file);
        List<Op> opaque = g.opaqueOps();
        if (json) {
            printJson(toJson(g, size));
            return 0;
        }
        out().printf(
                        "%s: model %s, %s bytes, %d ops, %d tensors%n",
                        file,
                        g.name(),
                        Table.grouped(size),
                        g.size(),
                        g.tensors().size());
        out().println("inputs:  " + tensors(g, g.inputs()));
        out().println("outputs: " + tensors(g, g.outputs()));
        Table t = new Table("#", "op", "output", "params (B)", "MACs");
        long params = 0, macs = 0;
        for (Op op : g.ops()) {
            long p = OpCost.paramBytes(g, op);
            long m = OpCost.macs(g, op);
            params += p;
            macs += m;
            t.row(
                    op.index(),
                    op.label() + (op.type() == OpType.OPAQUE ? " *" : ""),
                    outputShapes(g, op),
                    Table.grouped(p),
                    op.type() == OpType.OPAQUE ? "?" : Table.grouped(m));
        }
        t.row("", "total", "", Table.grouped(params), Table.grouped(macs));
        t.print(out());
        out().printf(
                        "totals: %d ops, %s parameter bytes (%s weights), %s MACs (%.3f G)%n",
                        g.size(),
                        Table.grouped(params),
                        Table.grouped(OpCost.totalParamCount(g)),
                        Table.grouped(macs),
                        macs / 1e9);
        if (!opaque.isEmpty()) {
            Map<String, List<Integer>> byLabel = new LinkedHashMap<>();
            for (Op op : opaque)
                byLabel.computeIfAbsent(op.label(), k -> new ArrayList<>()).add(op.index());
            out().printf(
                            "unknown ops (kept opaque): %d op%s marked * above; their MACs are not counted%n",
                            opaque.size(), opaque.size() == 1 ? "" : "s");
            for (var e : byLabel.entrySet()) out().printf("  %-28s ops %s%n", e.getKey(), indexList(e.getValue()));
        }
        return 0;
    }

    /** Reads a model file, turning "missing" and "not a file" into one-line usage errors. */
    static Graph read(Path file) throws IOException {
        if (!Files.exists(file)) throw CliException.usage(file + ": no such file");
        if (!Files.isRegularFile(file)) throw CliException.usage(file + ": not a regular file");
        if (!Files.isReadable(file)) throw CliException.usage(file + ": not readable (permission denied)");
        return TfliteReader.read(file);
    }

    static ObjectNode toJson(Graph g, long size) {
        ObjectNode o = Json.object();
        o.put("name", g.name());
        o.put("bytes", size);
        o.set("inputs", tensorsJson(g, g.inputs()));
        o.set("outputs", tensorsJson(g, g.outputs()));
        ArrayNode ops = o.putArray("ops");
        long params = 0, macs = 0;
        for (Op op : g.ops()) {
            long p = OpCost.paramBytes(g, op);
            long m = OpCost.macs(g, op);
            params += p;
            macs += m;
            ObjectNode x = ops.addObject();
            x.put("index", op.index());
            x.put("type", op.label());
            x.put("opaque", op.type() == OpType.OPAQUE);
            ArrayNode shapes = x.putArray("outputShapes");
            for (int t : op.outputs()) {
                ArrayNode s = shapes.addArray();
                for (int d : g.tensor(t).shape()) s.add(d);
            }
            x.put("paramBytes", p);
            if (op.type() == OpType.OPAQUE) x.putNull("macs");
            else x.put("macs", m);
        }
        ObjectNode tot = o.putObject("totals");
        tot.put("ops", g.size());
        tot.put("tensors", g.tensors().size());
        tot.put("paramBytes", params);
        tot.put("params", OpCost.totalParamCount(g));
        tot.put("macs", macs);
        ArrayNode unk = o.putArray("opaqueOps");
        for (Op op : g.opaqueOps()) unk.addObject().put("index", op.index()).put("type", op.label());
        return o;
    }

    private static ArrayNode tensorsJson(Graph g, int[] ids) {
        ArrayNode a = Json.array();
        for (int id : ids) {
            Tensor t = g.tensor(id);
            ObjectNode x = a.addObject();
            x.put("name", t.name());
            x.put("type", t.type().name().toLowerCase(Locale.ROOT));
            ArrayNode s = x.putArray("shape");
            for (int d : t.shape()) s.add(d);
        }
        return a;
    }

    static String shape(int[] s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length; i++) sb.append(i == 0 ? "" : "x").append(s[i]);
        return s.length == 0 ? "scalar" : sb.toString();
    }

    private static String outputShapes(Graph g, Op op) {
        StringBuilder sb = new StringBuilder();
        for (int t : op.outputs())
            sb.append(sb.length() == 0 ? "" : " ").append(shape(g.tensor(t).shape()));
        return sb.toString();
    }

    private static String tensors(Graph g, int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            Tensor t = g.tensor(id);
            if (sb.length() > 0) sb.append(", ");
            sb.append(t.name())
                    .append(' ')
                    .append(shape(t.shape()))
                    .append(' ')
                    .append(t.type().name().toLowerCase(Locale.ROOT));
        }
        return sb.length() == 0 ? "(none)" : sb.toString();
    }

    private static String indexList(List<Integer> xs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < xs.size(); i++) {
            if (i == 12) {
                sb.append(", ... (").append(xs.size()).append(" in all)");
                break;
            }
            sb.append(i == 0 ? "" : ", ").append(xs.get(i));
        }
        return sb.toString();
    }
}
