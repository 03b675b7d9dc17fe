package io.pipefarm.model.device;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a latency is measured on (DESIGN.md §1): the hardware and the runtime settings that change latency.
 * The name is the form on the wire and in the store; this type is its one reading:
 * <ul>
 *   <li>{@code edgetpu-usb}, {@code edgetpu-pci}: a real Edge TPU behind USB 3 or PCIe;</li>
 *   <li>{@code sim-edgetpu-usb}, {@code sim-edgetpu-pci}: the simulated one (model/sim);</li>
 *   <li>{@code cpu-<arch>-t<threads>}, e.g. {@code cpu-x86_64-t1}: TFLite on CPU cores, the thread count part of
 *       the kind because it changes latency;</li>
 *   <li>{@code bench-<name>}, e.g. {@code bench-fixed}: fixed-latency devices of benchmarks and tests.</li>
 * </ul>
 */
public final class DeviceKind implements Comparable<DeviceKind> {

    /** The hardware (or stand-in) a kind names. */
    public enum Family {
        EDGETPU,
        SIM_EDGETPU,
        CPU,
        BENCH
    }

    /** How an Edge TPU is attached to its host; a CPU or bench kind has none. */
    public enum Link {
        USB("usb"),
        PCIE("pci");

        private final String label;

        Link(String label) {
            this.label = label;
        }

        /** The suffix in a kind name: {@code usb} or {@code pci}. */
        public String label() {
            return label;
        }
    }

    /** Longest name, so that a kind fits the store's key column. */
    public static final int MAX_LENGTH = 64;

    private static final Pattern EDGETPU = Pattern.compile("(sim-)?edgetpu-(usb|pci)");
    private static final Pattern CPU = Pattern.compile("cpu-([a-z0-9_]+)-t([1-9][0-9]{0,3})");
    private static final Pattern BENCH = Pattern.compile("bench-[a-z0-9][a-z0-9._-]*");
    private static final String FORMS = "edgetpu-usb, edgetpu-pci, sim-edgetpu-usb, sim-edgetpu-pci, "
            + "cpu-<arch>-t<threads> (e.g. cpu-x86_64-t1) or bench-<name> (fixed-latency test devices)";

    /** Kinds a campaign may name before any agent with them registered. */
    public static final List<DeviceKind> BUILT_IN = List.of(
            simEdgeTpu(Link.USB),
            simEdgeTpu(Link.PCIE),
            edgeTpu(Link.USB),
            edgeTpu(Link.PCIE),
            cpu("x86_64", 1),
            cpu("x86_64", 2),
            cpu("x86_64", 4),
            cpu("arm64", 1),
            cpu("arm64", 2),
            cpu("arm64", 4));

    private final String name;
    private final Family family;
    private final Link link;
    private final String arch;
    private final int threads;

    private DeviceKind(String name, Family family, Link link, String arch, int threads) {
        this.name = name;
        this.family = family;
        this.link = link;
        this.arch = arch;
        this.threads = threads;
    }

    /**
     * The kind named {@code name} (exact: lower case, no spaces).
     *
     * @throws IllegalArgumentException naming the forms a kind may take
     */
    public static DeviceKind parse(String name) {
        return tryParse(name)
                .orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a device kind; use " + FORMS));
    }

    /** The kind named {@code name}, or empty when it is none. */
    public static Optional<DeviceKind> tryParse(String name) {
        if (name == null || name.length() > MAX_LENGTH) return Optional.empty();
        Matcher m = EDGETPU.matcher(name);
        if (m.matches()) {
            Link link = m.group(2).equals("usb") ? Link.USB : Link.PCIE;
            return Optional.of(m.group(1) == null ? edgeTpu(link) : simEdgeTpu(link));
        }
        m = CPU.matcher(name);
        if (m.matches()) return Optional.of(cpu(m.group(1), Integer.parseInt(m.group(2))));
        if (BENCH.matcher(name).matches()) return Optional.of(new DeviceKind(name, Family.BENCH, null, null, 0));
        return Optional.empty();
    }

    /** True when {@code name} names a device kind. */
    public static boolean isValid(String name) {
        return tryParse(name).isPresent();
    }

    public static DeviceKind edgeTpu(Link link) {
        return new DeviceKind("edgetpu-" + link.label(), Family.EDGETPU, link, null, 0);
    }

    public static DeviceKind simEdgeTpu(Link link) {
        return new DeviceKind("sim-edgetpu-" + link.label(), Family.SIM_EDGETPU, link, null, 0);
    }

    /** @param arch as {@link #hostArch()} gives it, e.g. {@code x86_64}, {@code arm64} */
    public static DeviceKind cpu(String arch, int threads) {
        if (arch == null || !arch.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException(
                    "a CPU architecture in a device kind is lower-case letters, digits and '_', got '" + arch + "'");
        }
        if (threads < 1 || threads > 9999)
            throw new IllegalArgumentException("threads must be in 1..9999, got " + threads);
        return new DeviceKind("cpu-" + arch + "-t" + threads, Family.CPU, null, arch, threads);
    }

    /** The CPU kind of {@code threads} threads on this host. */
    public static DeviceKind hostCpu(int threads) {
        return cpu(hostArch(), threads);
    }

    /** {@code os.arch} as used in kinds: {@code x86_64}, {@code arm64}, or the raw value made name-safe. */
    public static String hostArch() {
        String a = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x86-64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "arm64";
            default -> a.replaceAll("[^a-z0-9_]", "_");
        };
    }

    /** The name on the wire and in the store. */
    public String name() {
        return name;
    }

    public Family family() {
        return family;
    }

    /** An Edge TPU, real or simulated. */
    public boolean isEdgeTpu() {
        return family == Family.EDGETPU || family == Family.SIM_EDGETPU;
    }

    /** The simulated Edge TPU: runs without hardware, priced by model/sim. */
    public boolean isSimulated() {
        return family == Family.SIM_EDGETPU;
    }

    /** The Edge TPU's link; empty for other kinds. */
    public Optional<Link> link() {
        return Optional.ofNullable(link);
    }

    /** The CPU kind's architecture; empty for other kinds. */
    public Optional<String> arch() {
        return Optional.ofNullable(arch);
    }

    /** The CPU kind's interpreter threads; 0 for other kinds. */
    public int threads() {
        return threads;
    }

    @Override
    public int compareTo(DeviceKind o) {
        return name.compareTo(o.name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceKind k && k.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
