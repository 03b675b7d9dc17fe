package io.pipefarm.cli.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.agent.edgetpu.EdgeTpuSegments;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.model.sim.Estimate;
import io.pipefarm.model.tflite.TfliteReader;
import io.pipefarm.model.zoo.ModelRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pipefarm simulate MODEL|FILE.tflite --kind sim-edgetpu-usb|sim-edgetpu-pci [--json]}. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Simulated Edge TPU latency of a model or segment: one warm inference (parameters cached),",
            "the extra time after a model switch, and the parameter bytes cached on chip vs streamed from host memory.",
            "MODEL is a zoo name (pipefarm models list), fc:INPUTS,WIDTH,DEPTH, nasbench:{...},",
            "or an int8 .tflite file (FILE.tflite or file:PATH) that is not compiled for the Edge TPU."
        })
public final class SimulateCommand extends BaseCommand {
    @Parameters(paramLabel = "MODEL|FILE.tflite", description = "zoo model, fc:/nasbench: reference, or .tflite file")
    String model;

    @Option(
            names = "--kind",
            paramLabel = "KIND",
            defaultValue = "sim-edgetpu-usb",
            description =
                    "sim-edgetpu-usb (USB Accelerator) or sim-edgetpu-pci (Dev Board / M.2); default ${DEFAULT-VALUE}")
    String kind;

    @Option(
            names = "--ops",
            description = "also list every op: MACs, utilisation, cached / streamed parameter bytes, time")
    boolean ops;

    /** A model to simulate and where it came from. */
    record Input(Graph graph, String source) {}

    @Override
    protected int run() throws IOException {
        String k = kind.trim().toLowerCase(Locale.ROOT);
        if (!DeviceKind.tryParse(k).map(DeviceKind::isSimulated).orElse(false)) {
            throw CliException.usage(
                    "unknown simulated device kind '" + kind + "' (use sim-edgetpu-usb or sim-edgetpu-pci)");
        }
        Input in = resolve(model);
        if (EdgeTpuSegments.inspect(in.graph()).compiled()) {
            throw CliException.usage(in.source() + " is compiled for the Edge TPU (it has " + EdgeTpuSegments.CUSTOM_OP
                    + " ops); the simulator reads the uncompiled int8 model");
        }
        EdgeTpuSimulator sim = new EdgeTpuSimulator(EdgeTpuSimConfig.forKind(k));
        Estimate e = sim.estimate(in.graph());
        long switchNs = sim.reloadNanos(e);
        long cache = sim.config().paramCacheBytes();
        int opaque = in.graph().opaqueOps().size();
        if (json) {
            printJson(toJson(in, e, switchNs, cache, opaque, ops));
            return 0;
        }
        Graph g = in.graph();
        String label = in.source().equals(g.name()) ? g.name() : in.source() + ": " + g.name();
        out().printf("%s, %d ops, on %s%n", label, g.size(), e.deviceKind());
        out().printf(
                        Locale.ROOT,
                        "latency:       %.3f ms per inference (warm: the same model ran last)%n",
                        e.latencyMillis());
        out().printf(
                        Locale.ROOT,
                        "after switch:  %.3f ms (+%.3f ms to reload the parameter cache when another model ran last)%n",
                        (e.latencyNs() + switchNs) / 1e6,
                        switchNs / 1e6);
        out().printf(
                        Locale.ROOT,
                        "parameters:    %s on chip, %s streamed from host memory per inference (of %s; cache %s)%n",
                        mib(e.onChipParamBytes()),
                        mib(e.streamedParamBytes()),
                        mib(e.paramBytes()),
                        mib(cache));
        out().printf(
                        Locale.ROOT,
                        "breakdown:     ops %.3f ms (compute %.3f, streaming %.3f, overlapped), overheads %.3f ms, "
                                + "input/output transfer %.3f ms (%s)%n",
                        e.opsNs() / 1e6,
                        e.computeNs() / 1e6,
                        e.streamNs() / 1e6,
                        e.overheadNs() / 1e6,
                        e.transferNs() / 1e6,
                        Table.bytes(e.transferBytes()));
        out().printf(
                        Locale.ROOT,
                        "work:          %.3f GMACs%s%n",
                        e.macs() / 1e9,
                        e.hostOps() > 0
                                ? String.format(
                                        Locale.ROOT,
                                        "; %d op(s) on the host CPU (from the first op the Edge TPU cannot run)",
                                        e.hostOps())
                                : "");
        if (opaque > 0) {
            out().printf("note:          %d op(s) the IR does not know are treated as host ops%n", opaque);
        }
        if (ops) {
            Table t = new Table("#", "op", "MACs", "util", "cached B", "streamed B", "time us", "where");
            for (Estimate.OpEstimate o : e.ops()) {
                t.row(
                        o.index(),
                        o.type().name().toLowerCase(Locale.ROOT),
                        Table.grouped(o.macs()),
                        String.format(Locale.ROOT, "%.2f", o.utilisation()),
                        Table.grouped(o.onChipParamBytes()),
                        Table.grouped(o.streamedParamBytes()),
                        String.format(Locale.ROOT, "%.1f", o.timeNs() / 1e3),
                        o.onHost() ? "host" : "tpu");
            }
            t.print(out());
        }
        return 0;
    }

    /** A zoo name or reference, or a .tflite file; bad input is a usage error (exit 2). */
    static Input resolve(String ref) throws IOException {
        String m = ref == null ? "" : ref.trim();
        if (m.isEmpty()) throw CliException.usage("no model given");
        Path file = null;
        if (m.startsWith("file:")) {
            file = Path.of(m.substring("file:".length()));
        } else if (!m.startsWith("fc:") && !m.startsWith("nasbench:")) {
            try {
                Path p = Path.of(m);
                if (m.toLowerCase(Locale.ROOT).endsWith(".tflite") || m.contains("/") || Files.exists(p)) file = p;
            } catch (InvalidPathException e) {
                // not a path: a model name
            }
        }
        if (file != null) {
            if (!Files.exists(file)) throw CliException.usage(file + ": no such file");
            if (!Files.isRegularFile(file)) throw CliException.usage(file + ": not a regular file");
            if (!Files.isReadable(file)) throw CliException.usage(file + ": not readable (permission denied)");
            return new Input(TfliteReader.read(file), file.toString());
        }
        try {
            return new Input(ModelRef.resolve(m), m);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    static ObjectNode toJson(Input in, Estimate e, long switchNs, long cache, int opaque, boolean withOps) {
        ObjectNode o = Json.object();
        o.put("model", in.graph().name());
        o.put("source", in.source());
        o.put("kind", e.deviceKind());
        o.put("ops", in.graph().size());
        o.put("latency_ms", e.latencyMillis());
        o.put("latency_ns", e.latencyNs());
        o.put("switch_ms", switchNs / 1e6);
        o.put("latency_after_switch_ms", (e.latencyNs() + switchNs) / 1e6);
        o.put("param_bytes", e.paramBytes());
        o.put("on_chip_param_bytes", e.onChipParamBytes());
        o.put("streamed_param_bytes", e.streamedParamBytes());
        o.put("param_cache_bytes", cache);
        o.put("fits_on_chip", e.fitsOnChip());
        o.put("macs", e.macs());
        o.put("input_bytes", e.inputBytes());
        o.put("output_bytes", e.outputBytes());
        o.put("host_ops", e.hostOps());
        o.put("unknown_ops", opaque);
        ObjectNode b = o.putObject("breakdown_ns");
        b.put("compute", e.computeNs());
        b.put("stream", e.streamNs());
        b.put("ops", e.opsNs());
        b.put("op_overhead", e.opOverheadNs());
        b.put("invoke_overhead", e.invokeOverheadNs());
        b.put("spill", e.spillNs());
        b.put("transfer", e.transferNs());
        if (withOps) {
            ArrayNode a = o.putArray("op_estimates");
            for (Estimate.OpEstimate x : e.ops()) {
                ObjectNode r = a.addObject();
                r.put("index", x.index());
                r.put("type", x.type().name().toLowerCase(Locale.ROOT));
                r.put("macs", x.macs());
                r.put("utilisation", x.utilisation());
                r.put("on_chip_param_bytes", x.onChipParamBytes());
                r.put("streamed_param_bytes", x.streamedParamBytes());
                r.put("time_ns", x.timeNs());
                r.put("on_host", x.onHost());
            }
        }
        return o;
    }

    private static String mib(long bytes) {
        return String.format(
                Locale.ROOT, "%.2f MiB (%s B)", bytes / (double) EdgeTpuSimConfig.MIB, Table.grouped(bytes));
    }
}
