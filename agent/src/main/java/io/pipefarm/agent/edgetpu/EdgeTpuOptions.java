package io.pipefarm.agent.edgetpu;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Delegate options marshalled as a native {@code struct edgetpu_option[]} with NUL-terminated UTF-8
 * strings, all owned by this object: keep it open until {@code edgetpu_create_delegate} has returned
 * (libedgetpu copies what it needs). Known options: {@code Performance} ({@code Low}, {@code Medium},
 * {@code High}, {@code Max}), {@code Usb.AlwaysDfu} ({@code True}/{@code False}),
 * {@code Usb.MaxBulkInQueueLength} (an integer).
 */
public final class EdgeTpuOptions implements AutoCloseable {
    /** Values libedgetpu accepts for {@code Performance}. */
    public static final List<String> PERFORMANCE_VALUES = List.of("Low", "Medium", "High", "Max");

    private final Map<String, String> options;
    private final List<Memory> strings = new ArrayList<>();
    private final EdgeTpuNative.OptionStruct[] array;
    private boolean closed;

    /** Marshals the options in iteration order; an empty map gives a null array pointer. */
    public EdgeTpuOptions(Map<String, String> options) {
        this.options = new LinkedHashMap<>(Objects.requireNonNull(options, "options"));
        if (this.options.isEmpty()) {
            array = new EdgeTpuNative.OptionStruct[0];
            return;
        }
        array = (EdgeTpuNative.OptionStruct[]) new EdgeTpuNative.OptionStruct().toArray(this.options.size());
        int i = 0;
        for (Map.Entry<String, String> e : this.options.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty())
                throw new IllegalArgumentException("an Edge TPU option needs a name");
            if (e.getValue() == null)
                throw new IllegalArgumentException("Edge TPU option " + e.getKey() + " has no value");
            array[i].name = cString(e.getKey());
            array[i].value = cString(e.getValue());
            array[i].write();
            i++;
        }
    }

    private Pointer cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1L);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        strings.add(m);
        return m;
    }

    /** {@code const struct edgetpu_option*} for the call, or null when there are none. */
    public Pointer pointer() {
        if (closed) throw new IllegalStateException("options closed");
        return array.length == 0 ? null : array[0].getPointer();
    }

    /** {@code size_t num_options}. */
    public long count() {
        return array.length;
    }

    public Map<String, String> asMap() {
        return Map.copyOf(options);
    }

    /** Reads the options back from native memory (what libedgetpu would see), in order. */
    public static Map<String, String> read(Pointer options, long count) {
        Map<String, String> out = new LinkedHashMap<>();
        if (options == null || count == 0) return out;
        EdgeTpuNative.OptionStruct first = new EdgeTpuNative.OptionStruct(options);
        EdgeTpuNative.OptionStruct[] all = (EdgeTpuNative.OptionStruct[]) first.toArray((int) count);
        for (EdgeTpuNative.OptionStruct o : all) {
            o.read();
            out.put(
                    o.name == null ? null : o.name.getString(0, StandardCharsets.UTF_8.name()),
                    o.value == null ? null : o.value.getString(0, StandardCharsets.UTF_8.name()));
        }
        return out;
    }

    /**
     * Parses {@code "Performance=Max,Usb.AlwaysDfu=False"} (blank = none). The {@code Performance}
     * value is checked and normalised ({@code max} -> {@code Max}).
     */
    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) return out;
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            int eq = p.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("Edge TPU option '" + p + "' must be NAME=VALUE");
            out.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
        }
        return validate(out);
    }

    /** Checks known options; returns a copy with {@code Performance} normalised. */
    public static Map<String, String> validate(Map<String, String> options) {
        Map<String, String> out = new LinkedHashMap<>(options);
        String perf = out.get("Performance");
        if (perf != null) {
            String norm = PERFORMANCE_VALUES.stream()
                    .filter(v -> v.equalsIgnoreCase(perf.trim()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("Edge TPU option Performance must be one of "
                            + PERFORMANCE_VALUES + ", got '" + perf + "'"));
            out.put("Performance", norm);
        }
        return out;
    }

    /** {@code "Performance=Max,..."}: the inverse of {@link #parse(String)}. */
    public static String format(Map<String, String> options) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().contains(",")
                    || e.getKey().contains("=")
                    || e.getValue().contains(",")) {
                throw new IllegalArgumentException(
                        "Edge TPU option " + e.getKey() + "=" + e.getValue() + " contains ',' or '='");
            }
            if (sb.length() > 0) sb.append(',');
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    /** Drops the references to the native strings (JNA frees them once unreachable). */
    @Override
    public void close() {
        closed = true;
        strings.clear();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "EdgeTpuOptions%s", options);
    }
}
