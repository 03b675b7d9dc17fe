package io.pipefarm.agent.edgetpu;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import io.pipefarm.agent.tflite.TfliteException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * libedgetpu ({@code libedgetpu.so.1}) through JNA: version, device list, delegates.
 *
 * <p>Where the library comes from: system property {@value #PROPERTY} or environment variable
 * {@value #ENV} (a path, taken as is and required to exist); otherwise {@value #SONAME} through the
 * dynamic linker's search path. When it cannot be loaded, {@link #load()} throws a
 * {@link TfliteException} of kind UNAVAILABLE whose message says what is missing and how to install
 * it ({@link #INSTALL_HINT}).
 *
 * <p>Native code: call this only in a runner or probe child process, never in the agent's JVM.
 * Instances are thread-safe as far as libedgetpu is.
 */
public final class EdgeTpuLibrary {
    public static final String PROPERTY = "pipefarm.edgetpu.library";
    public static final String ENV = "PIPEFARM_EDGETPU_LIBRARY";
    public static final String SONAME = "libedgetpu.so.1";
    public static final String INSTALL_HINT = "install the Edge TPU runtime from Coral's apt repository "
            + "(deb https://packages.cloud.google.com/apt coral-edgetpu-stable main): "
            + "'sudo apt-get install libedgetpu1-std' (or libedgetpu1-max for the maximum clock), "
            + "or set -D" + PROPERTY + " / " + ENV + " to the path of " + SONAME;

    private static final Object LOCK = new Object();
    private static EdgeTpuLibrary instance;
    private static TfliteException failure;

    private final EdgeTpuNative lib;
    private final String location;
    private final String source;
    private final String version;

    private EdgeTpuLibrary(EdgeTpuNative lib, String location, String source) {
        this.lib = lib;
        this.location = location;
        this.source = source;
        this.version = Objects.requireNonNullElse(lib.edgetpu_version(), "");
    }

    /**
     * The process-wide library, loaded on first use from the configured path or {@value #SONAME}.
     * A failure is remembered and rethrown.
     *
     * @throws TfliteException UNAVAILABLE
     */
    public static EdgeTpuLibrary load() {
        synchronized (LOCK) {
            if (instance != null) return instance;
            if (failure != null) throw new TfliteException(failure.kind(), failure.getMessage(), failure);
            try {
                instance = loadFrom(configuredPath(), configuredSource());
                return instance;
            } catch (TfliteException e) {
                failure = e;
                throw e;
            }
        }
    }

    /** Loads a library from an explicit path (or {@value #SONAME} when null), not cached. */
    public static EdgeTpuLibrary load(String path) {
        return loadFrom(path, path == null ? "the dynamic linker search path" : "an explicit path");
    }

    /** The configured path (property, then environment), or null. */
    public static String configuredPath() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) p = System.getenv(ENV);
        return p == null || p.isBlank() ? null : p.trim();
    }

    private static String configuredSource() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) return "system property " + PROPERTY;
        p = System.getenv(ENV);
        if (p != null && !p.isBlank()) return "environment variable " + ENV;
        return "the dynamic linker search path";
    }

    private static EdgeTpuLibrary loadFrom(String path, String source) {
        if (Native.POINTER_SIZE != 8 || Native.SIZE_T_SIZE != 8) {
            throw new TfliteException(
                    TfliteException.Kind.UNAVAILABLE,
                    "the libedgetpu binding supports 64-bit platforms only (pointer size " + Native.POINTER_SIZE + ")");
        }
        String name = SONAME;
        if (path != null) {
            Path p = Paths.get(path).toAbsolutePath();
            if (!Files.isReadable(p)) {
                throw new TfliteException(
                        TfliteException.Kind.UNAVAILABLE,
                        "libedgetpu configured by " + source + " does not exist or is not readable: " + p + "; "
                                + INSTALL_HINT);
            }
            name = p.toString();
        }
        EdgeTpuNative lib;
        try {
            lib = Native.load(name, EdgeTpuNative.class);
        } catch (UnsatisfiedLinkError e) {
            String why = String.valueOf(e.getMessage())
                    .lines()
                    .map(String::trim)
                    .filter(l -> !l.isEmpty())
                    .limit(2)
                    .reduce((a, b) -> a + " " + b)
                    .orElse("");
            String what = path == null ? SONAME + " not found by the dynamic linker" : "cannot load " + name;
            throw new TfliteException(
                    TfliteException.Kind.UNAVAILABLE,
                    "Edge TPU runtime unavailable: " + what + " (" + why + "); " + INSTALL_HINT,
                    e);
        }
        try {
            return new EdgeTpuLibrary(lib, path == null ? SONAME : name, source);
        } catch (UnsatisfiedLinkError e) {
            throw new TfliteException(
                    TfliteException.Kind.UNAVAILABLE,
                    name + " does not export the Edge TPU C API (edgetpu_version missing: " + e.getMessage() + ")",
                    e);
        }
    }

    /** {@code edgetpu_version()}, e.g. {@code "BuildLabel(COMPILER=...),RuntimeVersion(14)"}. */
    public String version() {
        return version;
    }

    /** The runtime version number from {@link #version()} ({@code "14"}), or the whole string. */
    public static String shortVersion(String version) {
        if (version == null) return "";
        int i = version.indexOf("RuntimeVersion(");
        if (i >= 0) {
            int j = version.indexOf(')', i);
            if (j > i) return version.substring(i + "RuntimeVersion(".length(), j);
        }
        return version;
    }

    /** The path or name it was loaded from. */
    public String location() {
        return location;
    }

    /** How the location was chosen (property, environment, linker search path). */
    public String source() {
        return source;
    }

    /** {@code edgetpu_verbosity}: 0 (quiet) to 10 (most verbose), logs on stderr. */
    public void verbosity(int level) {
        if (level < 0 || level > 10) throw new IllegalArgumentException("verbosity must be 0..10, got " + level);
        lib.edgetpu_verbosity(level);
    }

    /** {@code edgetpu_list_devices}, copied out and freed with {@code edgetpu_free_devices}. */
    public List<EdgeTpuDevice> listDevices() {
        LongByReference n = new LongByReference();
        Pointer p = lib.edgetpu_list_devices(n);
        try {
            return readDevices(p, n.getValue());
        } finally {
            if (p != null) lib.edgetpu_free_devices(p);
        }
    }

    /** Reads {@code count} {@code struct edgetpu_device} from native memory (does not free it). */
    public static List<EdgeTpuDevice> readDevices(Pointer array, long count) {
        if (count < 0 || count > 1024) {
            throw new TfliteException(
                    TfliteException.Kind.UNAVAILABLE, "edgetpu_list_devices reported " + count + " devices");
        }
        List<EdgeTpuDevice> out = new ArrayList<>();
        if (count == 0) return out;
        if (array == null) {
            throw new TfliteException(
                    TfliteException.Kind.UNAVAILABLE,
                    "edgetpu_list_devices reported " + count + " devices but returned no array");
        }
        EdgeTpuNative.DeviceStruct first = new EdgeTpuNative.DeviceStruct(array);
        EdgeTpuNative.DeviceStruct[] all = (EdgeTpuNative.DeviceStruct[]) first.toArray((int) count);
        for (EdgeTpuNative.DeviceStruct d : all) {
            d.read();
            String path = d.path == null ? "" : d.path.getString(0, StandardCharsets.UTF_8.name());
            out.add(new EdgeTpuDevice(EdgeTpuDevice.Type.fromCode(d.type), path));
        }
        return out;
    }

    /**
     * {@code edgetpu_create_delegate} for one device (its path as {@code name}; a null/empty path lets
     * libedgetpu pick any device of the type).
     *
     * @return a {@code TfLiteDelegate*} to add to interpreter options and free with {@link #freeDelegate}
     * @throws TfliteException UNAVAILABLE when libedgetpu returns NULL
     */
    public Pointer createDelegate(EdgeTpuDevice device, Map<String, String> options) {
        Objects.requireNonNull(device, "device");
        try (EdgeTpuOptions o = new EdgeTpuOptions(EdgeTpuOptions.validate(options))) {
            String name = device.path().isEmpty() ? null : device.path();
            Pointer d = lib.edgetpu_create_delegate(device.type().code(), name, o.pointer(), o.count());
            if (d == null) {
                throw new TfliteException(
                        TfliteException.Kind.UNAVAILABLE,
                        "edgetpu_create_delegate returned NULL for "
                                + device.spec() + " with options " + options
                                + " (device unplugged, held by another process, or no permission: for USB check the udev rules "
                                + "of libedgetpu1-std, for PCIe the gasket/apex driver and /dev/apex_* permissions)");
            }
            return d;
        }
    }

    /** {@code edgetpu_free_delegate}; null is ignored. Free only after every interpreter using it is deleted. */
    public void freeDelegate(Pointer delegate) {
        if (delegate != null) lib.edgetpu_free_delegate(delegate);
    }
}
