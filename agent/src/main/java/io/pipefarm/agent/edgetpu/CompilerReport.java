package io.pipefarm.agent.edgetpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code edgetpu_compiler} reported about one model: the summary it prints and the per-operator
 * rows of its operation table (printed with {@code -s}, and always written to the operation log).
 *
 * <p>The summary lines read, e.g.
 * <pre>
 * Edge TPU Compiler version 16.0.384591198
 * Input model: seg.tflite
 * Output model: seg_edgetpu.tflite
 * On-chip memory used for caching model parameters: 6.02MiB
 * On-chip memory remaining for caching model parameters: 1.02MiB
 * Off-chip memory used for streaming uncached model parameters: 0.00B
 * Number of Edge TPU subgraphs: 1
 * Total number of operations: 84
 * Operation log: seg_edgetpu.log
 * Number of operations that will run on Edge TPU: 83     (only when some ops stay on the CPU)
 * Number of operations that will run on CPU: 1
 * Operator                       Count      Status
 * CONV_2D                        52         Mapped to Edge TPU
 * </pre>
 * Sizes are in B, KiB, MiB or GiB with two decimals, so byte figures are exact to 1% of the unit.
 *
 * @param opsOnEdgeTpu from the "will run on Edge TPU" line; without it, the rows mapped to the Edge
 *                     TPU, or all ops when there are no rows either
 * @param opsOnCpu     likewise for the CPU (0 when the compiler says nothing)
 */
public record CompilerReport(
        String compilerVersion,
        String inputModel,
        String outputModel,
        long onChipCachedBytes,
        long onChipRemainingBytes,
        long offChipStreamedBytes,
        int edgeTpuSubgraphs,
        int totalOps,
        int opsOnEdgeTpu,
        int opsOnCpu,
        String operationLog,
        List<OpRow> ops) {

    public static final String MAPPED = "Mapped to Edge TPU";

    private static final Pattern VERSION = Pattern.compile("^Edge TPU Compiler version\\s+(\\S+)");
    private static final Pattern KV = Pattern.compile("^\\s*([A-Za-z][A-Za-z \\-]*?)\\s*:\\s*(.*?)\\s*$");
    private static final Pattern SIZE = Pattern.compile("^([0-9]+(?:\\.[0-9]+)?)\\s*(B|KiB|MiB|GiB|KB|MB|GB)$");
    private static final Pattern ROW = Pattern.compile("^([A-Z][A-Z0-9_]*)\\s+([0-9]+)\\s+(\\S.*?)\\s*$");

    public CompilerReport {
        ops = List.copyOf(ops);
    }

    /** One row of the operation table: an operator, how many, and what became of them. */
    public record OpRow(String operator, int count, String status) {
        public boolean mapped() {
            return status.startsWith(MAPPED);
        }
    }

    /** True when all parameters are cached on chip. */
    public boolean fitsOnChip() {
        return offChipStreamedBytes == 0;
    }

    /**
     * Parses a report from the compiler's stdout and (optionally) its operation log; the table is
     * taken from stdout when it has one, else from the log.
     *
     * @throws IllegalArgumentException when the text has no summary (no version or no memory lines)
     */
    public static CompilerReport parse(String stdout, String log) {
        Map<String, String> kv = new LinkedHashMap<>();
        String version = null;
        String text = stdout == null ? "" : stdout;
        for (String raw : text.split("\\R")) {
            String line = raw.strip();
            Matcher v = VERSION.matcher(line);
            if (v.find()) {
                if (version == null) version = v.group(1);
                continue;
            }
            Matcher m = KV.matcher(line);
            if (m.matches()) kv.putIfAbsent(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
        }
        if (version == null && log != null) {
            for (String raw : log.split("\\R")) {
                Matcher v = VERSION.matcher(raw.strip());
                if (v.find()) {
                    version = v.group(1);
                    break;
                }
            }
        }
        String onChip = kv.get("on-chip memory used for caching model parameters");
        String remaining = kv.get("on-chip memory remaining for caching model parameters");
        String offChip = kv.get("off-chip memory used for streaming uncached model parameters");
        if (onChip == null || offChip == null) {
            throw new IllegalArgumentException(
                    "not an edgetpu_compiler report: no \"On-chip memory used for caching model "
                            + "parameters\" / \"Off-chip memory used for streaming uncached model parameters\" lines");
        }
        List<OpRow> rows = rows(text);
        if (rows.isEmpty() && log != null) rows = rows(log);
        int total = integer(kv, "total number of operations", -1);
        int mappedRows =
                rows.stream().filter(OpRow::mapped).mapToInt(OpRow::count).sum();
        int rowTotal = rows.stream().mapToInt(OpRow::count).sum();
        if (total < 0) total = rowTotal;
        int onTpu = integer(kv, "number of operations that will run on edge tpu", -1);
        int onCpu = integer(kv, "number of operations that will run on cpu", -1);
        if (onTpu < 0) onTpu = rows.isEmpty() ? total - Math.max(onCpu, 0) : mappedRows;
        if (onCpu < 0) onCpu = rows.isEmpty() ? Math.max(0, total - onTpu) : rowTotal - mappedRows;
        return new CompilerReport(
                version == null ? "" : version,
                kv.getOrDefault("input model", ""),
                kv.getOrDefault("output model", ""),
                bytes(onChip),
                remaining == null ? -1 : bytes(remaining),
                bytes(offChip),
                integer(kv, "number of edge tpu subgraphs", 0),
                total,
                onTpu,
                onCpu,
                kv.getOrDefault("operation log", ""),
                rows);
    }

    /** The operation table rows after an {@code Operator  Count  Status} header. */
    static List<OpRow> rows(String text) {
        List<OpRow> out = new ArrayList<>();
        boolean inTable = false;
        for (String raw : text.split("\\R")) {
            String line = raw.strip();
            if (line.startsWith("Operator") && line.contains("Count") && line.contains("Status")) {
                inTable = true;
                continue;
            }
            if (!inTable || line.isEmpty()) continue;
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                out.add(new OpRow(m.group(1), Integer.parseInt(m.group(2)), m.group(3)));
            } else {
                inTable = false;
            }
        }
        return out;
    }

    /** {@code "6.02MiB"} -> bytes (binary units; KB/MB/GB read as their binary twins, as the compiler means them). */
    public static long bytes(String size) {
        Matcher m = SIZE.matcher(size.strip());
        if (!m.matches())
            throw new IllegalArgumentException("not a size: '" + size + "' (expected e.g. 1.25MiB, 512.00KiB, 0.00B)");
        double v = Double.parseDouble(m.group(1));
        long unit;
        switch (m.group(2)) {
            case "B":
                unit = 1;
                break;
            case "KiB":
            case "KB":
                unit = 1L << 10;
                break;
            case "MiB":
            case "MB":
                unit = 1L << 20;
                break;
            default:
                unit = 1L << 30;
                break;
        }
        return Math.round(v * unit);
    }

    private static int integer(Map<String, String> kv, String key, int dflt) {
        String v = kv.get(key);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("edgetpu_compiler report: '" + key + "' is not a number: '" + v + "'");
        }
    }

    /** Flat string properties for storing the report next to a segment. */
    public Map<String, String> toProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("edgetpu_compiler", compilerVersion);
        p.put("on_chip_param_bytes", Long.toString(onChipCachedBytes));
        p.put("on_chip_remaining_bytes", Long.toString(onChipRemainingBytes));
        p.put("off_chip_param_bytes", Long.toString(offChipStreamedBytes));
        p.put("edgetpu_subgraphs", Integer.toString(edgeTpuSubgraphs));
        p.put("ops_total", Integer.toString(totalOps));
        p.put("ops_edgetpu", Integer.toString(opsOnEdgeTpu));
        p.put("ops_cpu", Integer.toString(opsOnCpu));
        return p;
    }
}
