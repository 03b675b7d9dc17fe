package io.pipefarm.agent.edgetpu;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.tflite.TfliteFormatException;
import io.pipefarm.model.tflite.TfliteReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a segment {@code .tflite} is compiled for the Edge TPU: {@code edgetpu_compiler} replaces
 * the ops it maps by custom ops with custom code {@value #CUSTOM_OP}; everything else stays a TFLite
 * op that the host CPU runs.
 */
public final class EdgeTpuSegments {
    public static final String CUSTOM_OP = "edgetpu-custom-op";

    private EdgeTpuSegments() {}

    /** The Edge TPU ops of a model and the ops left to the CPU. */
    public record Inspection(int edgeTpuOps, int cpuOps, List<String> cpuOpLabels) {
        public Inspection {
            cpuOpLabels = List.copyOf(cpuOpLabels);
        }

        public boolean compiled() {
            return edgeTpuOps > 0;
        }
    }

    /**
     * Reads a model and counts its Edge TPU custom ops.
     *
     * @throws TfliteFormatException when the bytes are not a TFLite model the reader accepts
     */
    public static Inspection inspect(byte[] tflite) throws TfliteFormatException {
        return inspect(TfliteReader.read(tflite));
    }

    public static Inspection inspect(Graph g) {
        int tpu = 0;
        List<String> cpu = new ArrayList<>();
        for (Op op : g.ops()) {
            if (op.options() instanceof OpOptions.Opaque o && CUSTOM_OP.equals(o.customCode())) tpu++;
            else cpu.add(op.label());
        }
        return new Inspection(tpu, cpu.size(), cpu);
    }

    /**
     * True when the bytes are a TFLite model with at least one {@value #CUSTOM_OP}. Never throws: bytes
     * the reader rejects as unsupported are scanned for the op code string instead, corrupt bytes are
     * false (the caller's normal load path reports them).
     */
    public static boolean isCompiled(byte[] tflite) {
        if (tflite == null || tflite.length < 8) return false;
        try {
            return inspect(tflite).compiled();
        } catch (TfliteFormatException e) {
            return e.kind() == TfliteFormatException.Kind.UNSUPPORTED && containsOpCode(tflite);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * For CPU runtimes: why a segment cannot run on a TFLite CPU device (it is compiled for the Edge
     * TPU), or empty when it can be tried.
     */
    public static Optional<String> cpuRejection(String segmentKey, byte[] tflite) {
        if (!isCompiled(tflite)) return Optional.empty();
        return Optional.of("segment " + segmentKey + " is compiled for the Edge TPU (it has " + CUSTOM_OP
                + " ops, which only an Edge TPU delegate runs); profile the uncompiled segment on CPU kinds "
                + "and the compiled one on edgetpu-usb / edgetpu-pci");
    }

    /** A flatbuffer string {@value #CUSTOM_OP}: its 4-byte little-endian length, then its bytes. */
    static boolean containsOpCode(byte[] b) {
        byte[] s = CUSTOM_OP.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 4; i + s.length <= b.length; i++) {
            for (int k = 0; k < s.length; k++) if (b[i + k] != s[k]) continue outer;
            int len = (b[i - 4] & 0xFF) | (b[i - 3] & 0xFF) << 8 | (b[i - 2] & 0xFF) << 16 | (b[i - 1] & 0xFF) << 24;
            if (len == s.length) return true;
        }
        return false;
    }
}
