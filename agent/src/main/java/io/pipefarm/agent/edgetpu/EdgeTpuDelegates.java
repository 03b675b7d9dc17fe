package io.pipefarm.agent.edgetpu;

import com.sun.jna.Pointer;
import io.pipefarm.agent.tflite.TfliteException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Edge TPU side of a runner child: the runtime name of a device in {@code RunRequest.runtime}
 * and one delegate per device, created on first use and kept for the life of the process (the child
 * serves one device; each job builds its interpreter with this delegate and deletes it afterwards).
 *
 * <p>Runtime names: {@code edgetpu:TYPE:PATH} with optional {@code ?NAME=VALUE&NAME=VALUE} delegate
 * options, e.g. {@code edgetpu:usb:/sys/bus/usb/devices/2-1?Performance=Max}. Plain {@code edgetpu}
 * means any USB Edge TPU.
 */
public final class EdgeTpuDelegates {
    public static final String RUNTIME = "edgetpu";

    private static final Map<String, Pointer> DELEGATES = new LinkedHashMap<>();

    private EdgeTpuDelegates() {}

    /** True for {@code edgetpu} and {@code edgetpu:...}. */
    public static boolean isEdgeTpuRuntime(String runtime) {
        return runtime != null && (runtime.equals(RUNTIME) || runtime.startsWith(RUNTIME + ":"));
    }

    /** The runtime name that selects {@code device} with {@code options} (may be empty). */
    public static String runtimeName(EdgeTpuDevice device, Map<String, String> options) {
        String base = RUNTIME + ":" + device.spec();
        if (options.isEmpty()) return base;
        StringBuilder sb = new StringBuilder(base).append('?');
        boolean first = true;
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (!first) sb.append('&');
            sb.append(e.getKey()).append('=').append(e.getValue());
            first = false;
        }
        return sb.toString();
    }

    /** A parsed runtime name. */
    public record Target(EdgeTpuDevice device, Map<String, String> options) {}

    /** Parses a runtime name. @throws IllegalArgumentException when malformed */
    public static Target parse(String runtime) {
        if (!isEdgeTpuRuntime(runtime))
            throw new IllegalArgumentException("not an Edge TPU runtime: '" + runtime + "'");
        if (runtime.equals(RUNTIME)) return new Target(new EdgeTpuDevice(EdgeTpuDevice.Type.USB, ""), Map.of());
        String rest = runtime.substring(RUNTIME.length() + 1);
        Map<String, String> options = new LinkedHashMap<>();
        int q = rest.indexOf('?');
        if (q >= 0) {
            for (String kv : rest.substring(q + 1).split("&")) {
                if (kv.isEmpty()) continue;
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("Edge TPU option '" + kv + "' must be NAME=VALUE");
                options.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            rest = rest.substring(0, q);
        }
        return new Target(EdgeTpuDevice.parseSpec(rest), EdgeTpuOptions.validate(options));
    }

    /**
     * The delegate of the device a runtime name selects, created on first use.
     *
     * @throws TfliteException UNAVAILABLE when libedgetpu is missing or the delegate cannot be created;
     *                         BAD_INPUT when the runtime name is malformed
     */
    public static synchronized Pointer delegateFor(String runtime) {
        Pointer d = DELEGATES.get(runtime);
        if (d != null) return d;
        Target t;
        try {
            t = parse(runtime);
        } catch (IllegalArgumentException e) {
            throw new TfliteException(TfliteException.Kind.BAD_INPUT, e.getMessage(), e);
        }
        EdgeTpuLibrary lib = EdgeTpuLibrary.load();
        d = lib.createDelegate(t.device(), t.options());
        DELEGATES.put(runtime, d);
        return d;
    }

    /** libedgetpu's version if it is loaded or loadable, else null. */
    public static String versionOrNull() {
        try {
            return EdgeTpuLibrary.load().version();
        } catch (TfliteException e) {
            return null;
        }
    }

    /** Frees every delegate (call when no interpreter is left, e.g. at runner shutdown). */
    public static synchronized void closeAll() {
        if (DELEGATES.isEmpty()) return;
        EdgeTpuLibrary lib = EdgeTpuLibrary.load();
        for (Pointer d : DELEGATES.values()) lib.freeDelegate(d);
        DELEGATES.clear();
    }
}
