package io.pipefarm.model.sim;

import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.model.device.DeviceKind.Link;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every parameter of the simulated Edge TPU, in one place. Times are nanoseconds, rates bytes (or MACs)
 * per second, sizes bytes. The two presets are calibrated against {@code reference/edgetpu.md}
 * (see {@link CalibrationReport}); the justification of each value is next to it in {@link #usb()} and
 * {@link #pci()}.
 *
 * <p>The latency of one invoke of a segment is
 * <pre>
 *   perInvokeNs
 *   + (input bytes + output bytes) / ioBytesPerSec
 *   + sum over ops of ( perOpNs + max(compute, streamed parameter bytes of the op / streamBytesPerSec) )
 *   + (firstSpillNs if any parameter is streamed)
 * compute = MACs / (peakMacsPerSec * clockScale * utilisation(op))      (ops with MACs)
 *         = activation bytes / dataMoveBytesPerSec                       (concat, pad, slice)
 *         = 0                                                           (reshape)
 * </pre>
 * The parameter cache holds whole constant tensors, first fit in execution order (a tensor that does
 * not fit streams, later smaller ones may still fit), up to {@code paramCacheBytes}. Like the Edge TPU
 * compiler, the first op the Edge TPU cannot run (an opaque op, or one on float tensors) and every op
 * after it run on the host: {@code hostOpNs + MACs / hostMacsPerSec} each, their parameters stay on the
 * host, and the tensors crossing into the host part (instead of the segment's outputs) go over the link. A switch from another model adds
 * {@code swapFixedNs + cached parameter bytes / reloadBytesPerSec}. Measured samples are multiplied by
 * {@code exp(noiseSigma * z)}, z standard normal, drawn from {@code seed} and the run index.
 *
 * <p>Convolution utilisation follows a weight-stationary {@code arrayDim x arrayDim} systolic array:
 * {@code efficiency * fill(K) * fill(Cout)} where {@code K} is the reduction depth (kh*kw*Cin; kh*kw
 * for depthwise, whose channels run side by side) and {@code fill(n) = n / (arrayDim * ceil(n / arrayDim))};
 * a convolution also takes at least its weight bytes / (peak * fcUtilisation), the rate at which
 * weights enter the array (so a 1x1 conv on one pixel costs what the equivalent FC costs).
 */
public record EdgeTpuSimConfig(
        /** Device kind this config simulates, e.g. {@code sim-edgetpu-usb}. */
        String deviceKind,
        /** Peak multiply-accumulates per second (4 TOPS, 2 ops per MAC). */
        double peakMacsPerSec,
        /** Multiplier on the peak (the clock the host runs the Edge TPU at). */
        double clockScale,
        /** Side of the systolic array, used for the fill factors. */
        int arrayDim,
        /** Fraction of the array's peak a perfectly shaped CONV_2D achieves. */
        double convEfficiency,
        /** Same for DEPTHWISE_CONV_2D (on top of its poor row fill, kh*kw of arrayDim rows). */
        double depthwiseEfficiency,
        /** Utilisation of FULLY_CONNECTED: batch-1 FC uses every weight once, so it is memory-bound. */
        double fcUtilisation,
        /** Utilisation of element-wise ops (add, mul, logistic, tanh, hard-swish, softmax) per output element. */
        double elementwiseUtilisation,
        /** Utilisation of pooling and MEAN per filter element. */
        double poolUtilisation,
        /** On-chip copy rate for concat, pad and slice. */
        double dataMoveBytesPerSec,
        /** Fixed cost per op (instruction issue, synchronisation). */
        double perOpNs,
        /** Fixed cost per invoke (driver, link round trip, interrupt). */
        double perInvokeNs,
        /** Parameter cache (on-chip SRAM usable for parameters). */
        long paramCacheBytes,
        /** Rate at which parameters that do not fit are streamed from host memory, on every invoke. */
        double streamBytesPerSec,
        /** Extra cost per invoke once any parameter streams (setting up host-memory streaming). */
        double firstSpillNs,
        /** Effective link rate for the segment's input and output tensors. */
        double ioBytesPerSec,
        /** Effective rate of the bulk reload of the parameter cache when a different model ran last. */
        double reloadBytesPerSec,
        /** Fixed cost of a model switch (executable reload, context switch). */
        double swapFixedNs,
        /** Fixed cost of an op run on the host CPU (the first unsupported op and every op after it). */
        double hostOpNs,
        /** Host CPU rate for ops that fall back to it. */
        double hostMacsPerSec,
        /** Sigma of the multiplicative lognormal noise of samples. */
        double noiseSigma,
        /** Seed of the noise. */
        long seed) {

    public static final long MIB = 1024L * 1024L;

    public EdgeTpuSimConfig {
        if (deviceKind == null || deviceKind.isBlank()) throw new IllegalArgumentException("deviceKind is required");
        positive("peakMacsPerSec", peakMacsPerSec);
        positive("clockScale", clockScale);
        if (arrayDim < 1) throw new IllegalArgumentException("arrayDim must be >= 1, got " + arrayDim);
        fraction("convEfficiency", convEfficiency);
        fraction("depthwiseEfficiency", depthwiseEfficiency);
        fraction("fcUtilisation", fcUtilisation);
        fraction("elementwiseUtilisation", elementwiseUtilisation);
        fraction("poolUtilisation", poolUtilisation);
        positive("dataMoveBytesPerSec", dataMoveBytesPerSec);
        nonNegative("perOpNs", perOpNs);
        nonNegative("perInvokeNs", perInvokeNs);
        if (paramCacheBytes < 0)
            throw new IllegalArgumentException("paramCacheBytes must be >= 0, got " + paramCacheBytes);
        positive("streamBytesPerSec", streamBytesPerSec);
        nonNegative("firstSpillNs", firstSpillNs);
        positive("ioBytesPerSec", ioBytesPerSec);
        positive("reloadBytesPerSec", reloadBytesPerSec);
        nonNegative("swapFixedNs", swapFixedNs);
        nonNegative("hostOpNs", hostOpNs);
        positive("hostMacsPerSec", hostMacsPerSec);
        nonNegative("noiseSigma", noiseSigma);
    }

    /**
     * USB Accelerator (USB 3.0, 5 Gb/s) on a desktop host, as in the "Desktop CPU + USB Accelerator"
     * column of the published benchmarks and (assumed) the FC sweep.
     */
    public static EdgeTpuSimConfig usb() {
        return new EdgeTpuSimConfig(
                "sim-edgetpu-usb",
                2.0e12, // 4 TOPS int8 peak = 2 TMAC/s [Coral datasheet]
                1.0, // the published USB column runs the Edge TPU at its maximum clock
                64, // 64x64 MAC array (4096 MACs/cycle at ~480 MHz ~= 2 TMAC/s)
                0.31, // dense convs: least-max-error fit of the 8 published latencies (with depthwise and pci
                // clockScale)
                0.12, // depthwise: same fit; times its 9-of-64 row fill gives ~1.4% of peak (MobileNet v1/v2 spend
                // 27%/32% of their time there)
                0.04, // FC at batch 1 uses each weight once: weights enter the array at ~80 GB/s, fitted to 0.22 ms at
                // hidden 1580
                1.0 / 8, // element-wise ops are cheap: ~250 G elements/s (0.3 us for an add at 56x56x24)
                1.0 / 8, // pooling / mean: cheap like element-wise ops (Inception v1's 13 pools cost ~0.05 ms)
                64.0e9, // on-chip activation copies (concat, pad, slice): 128 B/cycle, cheap
                2_000, // per-op issue/sync cost; the fit degrades above ~3 us (Inception v1 has 83 ops but is fast)
                100_000, // USB invoke round trip (driver + bulk transfer setup + completion)
                7_995_392L, // 7.625 MiB: the only window (7.621..7.632 MiB of graph bytes) where hidden 1980 keeps 3
                // layers and 1620 spills its 4th
                386.0e6, // 2.715 ms per streamed MiB: slope of the FC sweep between hidden 1980 and 2620
                250_000, // first spill: intercept of the sweep line minus the no-spill latency
                300.0e6, // effective USB 3 rate reported by third parties [edgetpu.md]
                600.0e6, // bulk reload near the 640 MB/s USB 3 signalling rate: 11.5 ms per switch for 6.34 MiB
                // (published ~10.8 ms)
                400_000, // executable re-send and context switch on a model switch
                20_000, // host fallback op: TFLite kernel dispatch on the CPU
                20.0e9, // host fallback: one desktop core running int8 kernels (~30 ms for MobileNet v1)
                0.015, // 1.5% run-to-run spread
                0x5EED_ED6E_7B0L); // fixed default seed
    }

    /**
     * PCIe Gen2 x1 Edge TPU (M.2 / Mini PCIe / Dev Board SoM), calibrated on the "Dev Board" column of
     * the published benchmarks.
     */
    public static EdgeTpuSimConfig pci() {
        EdgeTpuSimConfig u = usb();
        return new EdgeTpuSimConfig(
                "sim-edgetpu-pci",
                u.peakMacsPerSec(),
                0.82, // Dev Board column is slower on compute-heavy models (Inception v1 4.1 vs 3.4 ms): fitted
                // effective clock
                u.arrayDim(),
                u.convEfficiency(),
                u.depthwiseEfficiency(),
                u.fcUtilisation(),
                u.elementwiseUtilisation(),
                u.poolUtilisation(),
                u.dataMoveBytesPerSec(),
                u.perOpNs(),
                40_000, // PCIe doorbell + MSI is cheaper than a USB round trip
                u.paramCacheBytes(),
                420.0e6, // streaming over PCIe Gen2 x1 at the link's effective rate
                150_000, // smaller streaming setup than USB
                430.0e6, // PCIe Gen2 x1: 500 MB/s after 8b/10b, ~430 MB/s after TLP overhead
                480.0e6, // bulk reload at ~96% of the 500 MB/s link
                300_000, // switch cost without the USB command round trips
                u.hostOpNs(),
                5.0e9, // Dev Board host: a Cortex-A53 core
                u.noiseSigma(),
                u.seed());
    }

    /** The preset for a device kind ({@code sim-edgetpu-usb}, {@code sim-edgetpu-pci}, or just usb / pci). */
    public static EdgeTpuSimConfig forKind(String kind) {
        Optional<Link> link =
                DeviceKind.tryParse(kind).filter(DeviceKind::isEdgeTpu).flatMap(DeviceKind::link);
        String k = kind.toLowerCase(Locale.ROOT);
        if (link.isEmpty() && k.equals("usb")) link = Optional.of(Link.USB);
        if (link.isEmpty() && (k.equals("pci") || k.equals("pcie"))) link = Optional.of(Link.PCIE);
        if (link.isPresent()) return link.get() == Link.USB ? usb() : pci();
        throw new IllegalArgumentException(
                "no simulated Edge TPU preset for device kind '" + kind + "' (use sim-edgetpu-usb or sim-edgetpu-pci)");
    }

    /**
     * This config with some parameters replaced, e.g. from HOCON {@code pipefarm.sim.edgetpu { ... }}.
     * Keys are component names in camelCase or kebab-case ({@code param-cache-bytes}); a dotted prefix is
     * ignored ({@code pipefarm.sim.perInvokeNs}). Numbers may use {@code _} separators and exponents.
     * An unknown key or a malformed value is an error naming the key.
     */
    public EdgeTpuSimConfig withOverrides(Map<String, String> overrides) {
        if (overrides == null || overrides.isEmpty()) return this;
        RecordComponent[] comps = EdgeTpuSimConfig.class.getRecordComponents();
        Map<String, Integer> index = new TreeMap<>();
        for (int i = 0; i < comps.length; i++) index.put(normalise(comps[i].getName()), i);
        Object[] values = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        try {
            for (int i = 0; i < comps.length; i++) {
                values[i] = comps[i].getAccessor().invoke(this);
                types[i] = comps[i].getType();
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String key = e.getKey();
            String last = key.substring(key.lastIndexOf('.') + 1);
            Integer i = index.get(normalise(last));
            if (i == null) {
                throw new IllegalArgumentException("unknown simulated Edge TPU parameter '" + key + "'; known: "
                        + Arrays.stream(comps).map(RecordComponent::getName).toList());
            }
            values[i] = parse(comps[i], e.getValue());
        }
        try {
            Constructor<EdgeTpuSimConfig> ctor = EdgeTpuSimConfig.class.getDeclaredConstructor(types);
            return ctor.newInstance(values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** All parameters as strings, keyed by component name (for logs, reports and round trips). */
    public Map<String, String> asMap() {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (RecordComponent c : EdgeTpuSimConfig.class.getRecordComponents()) {
                out.put(c.getName(), String.valueOf(c.getAccessor().invoke(this)));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static Object parse(RecordComponent c, String raw) {
        if (raw == null)
            throw new IllegalArgumentException("no value for simulated Edge TPU parameter '" + c.getName() + "'");
        String v = raw.trim().replace("_", "");
        try {
            Class<?> t = c.getType();
            if (t == String.class) return raw.trim();
            if (t == double.class) return Double.parseDouble(v);
            if (t == int.class) return Math.toIntExact(wholeNumber(v));
            if (t == long.class) return wholeNumber(v);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(
                    "simulated Edge TPU parameter '" + c.getName() + "': cannot read '" + raw + "' as a number", e);
        }
        throw new IllegalStateException("unhandled parameter type " + c.getType());
    }

    /** A long, also accepting hex (0x...) and exact decimals such as 7.995392e6. */
    private static long wholeNumber(String v) {
        if (v.startsWith("0x") || v.startsWith("0X")) return Long.parseUnsignedLong(v.substring(2), 16);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return new BigDecimal(v).longValueExact();
        }
    }

    private static String normalise(String key) {
        return key.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static void positive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }

    private static void nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(name + " must be >= 0, got " + v);
    }

    private static void fraction(String name, double v) {
        if (!(v > 0 && v <= 1)) throw new IllegalArgumentException(name + " must be in (0, 1], got " + v);
    }
}
