package io.pipefarm.agent.edgetpu;

import io.pipefarm.agent.tflite.TfliteException;
import io.pipefarm.agent.tflite.TfliteRuntime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What libedgetpu says about this host: its version and its Edge TPUs, or why it cannot say.
 *
 * <p>{@link #inProcess()} asks in the current JVM (native code: for the runner child and tests);
 * {@link #inChild(List, Duration)} starts a short-lived JVM running {@link #main} so that the agent
 * never loads libedgetpu itself. The child prints one tab-separated record per line:
 * {@code version}, {@code library}, {@code device TYPE PATH}, {@code error MESSAGE}.
 */
public record EdgeTpuProbe(Optional<String> version, String library, List<EdgeTpuDevice> devices,
                           Optional<String> tfliteVersion, Optional<String> error) {

    public EdgeTpuProbe {
        devices = List.copyOf(devices);
        library = library == null ? "" : library;
    }

    public static EdgeTpuProbe unavailable(String why) {
        return new EdgeTpuProbe(Optional.empty(), "", List.of(), Optional.empty(), Optional.of(why));
    }

    /** True if libedgetpu loaded (devices may still be none). */
    public boolean libraryLoaded() {
        return version.isPresent();
    }

    /** True when there are devices and they can be used (libedgetpu and TFLite both loaded). */
    public boolean usable() {
        return !devices.isEmpty() && error.isEmpty();
    }

    /** Why there are no usable devices, in one sentence (or an empty string when there are). */
    public String noDevicesReason() {
        if (usable()) return "";
        if (error.isPresent()) return error.get();
        return "libedgetpu " + EdgeTpuLibrary.shortVersion(version.orElse("?")) + " (" + library + ") loaded, but "
                + "edgetpu_list_devices found no Edge TPU: is a USB Accelerator plugged in (lsusb shows 1a6e:089a or "
                + "18d1:9302) or a PCIe/M.2 module present with the gasket/apex driver loaded (/dev/apex_0)?";
    }

    /** Loads libedgetpu in this process and lists devices. Never throws. */
    public static EdgeTpuProbe inProcess() {
        try {
            EdgeTpuLibrary lib = EdgeTpuLibrary.load();
            List<EdgeTpuDevice> devices = lib.listDevices();
            Optional<String> tflite = Optional.empty();
            Optional<String> error = Optional.empty();
            try {
                tflite = Optional.of(TfliteRuntime.load());
            } catch (TfliteException e) {
                error = Optional.of("libedgetpu found " + devices.size() + " Edge TPU(s) but the TFLite runtime that "
                        + "hosts its delegate is unavailable: " + e.getMessage());
            }
            return new EdgeTpuProbe(Optional.of(lib.version()), lib.location(), devices, tflite, error);
        } catch (TfliteException e) {
            return unavailable(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return unavailable("libedgetpu probe failed: " + e);
        }
    }

    /**
     * Runs the probe in a child JVM.
     *
     * @param javaCommandAndArgs {@code java}, JVM options and {@code -cp CLASSPATH} (this class is appended)
     */
    public static EdgeTpuProbe inChild(List<String> javaCommandAndArgs, Duration timeout) {
        List<String> cmd = new ArrayList<>(javaCommandAndArgs);
        cmd.add(EdgeTpuProbe.class.getName());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            return unavailable("cannot start the Edge TPU probe process " + cmd.get(0) + ": " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread to = drain(p.getInputStream(), out);
            Thread te = drain(p.getErrorStream(), err);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return unavailable("the Edge TPU probe did not finish within " + timeout.toSeconds()
                        + " s (libedgetpu hung in edgetpu_list_devices?)");
            }
            to.join(2000);
            te.join(2000);
            EdgeTpuProbe parsed = parse(out.toString(StandardCharsets.UTF_8));
            if (p.exitValue() != 0 && parsed.error().isEmpty()) {
                String tail = tail(err.toString(StandardCharsets.UTF_8), 5);
                return unavailable("the Edge TPU probe process died (exit code " + p.exitValue()
                        + (p.exitValue() > 128 ? ", signal " + (p.exitValue() - 128) : "") + ")"
                        + (tail.isEmpty() ? "" : ": " + tail));
            }
            return parsed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return unavailable("interrupted while probing for Edge TPUs");
        } catch (IOException e) {
            p.destroyForcibly();
            return unavailable("Edge TPU probe I/O failed: " + e.getMessage());
        }
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(to);
            } catch (IOException ignored) {
                // process gone
            }
        }, "edgetpu-probe-drain");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String tail(String s, int lines) {
        List<String> all = s.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size())).strip();
    }

    /** Parses the child's output (see the class comment). */
    static EdgeTpuProbe parse(String text) {
        Optional<String> version = Optional.empty();
        String library = "";
        List<EdgeTpuDevice> devices = new ArrayList<>();
        Optional<String> error = Optional.empty();
        Optional<String> tflite = Optional.empty();
        boolean any = false;
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", 3);
            switch (f[0]) {
                case "version": version = Optional.of(f.length > 1 ? f[1] : ""); any = true; break;
                case "tflite": tflite = Optional.of(f.length > 1 ? f[1] : ""); break;
                case "library": library = f.length > 1 ? f[1] : ""; break;
                case "device":
                    if (f.length == 3) devices.add(new EdgeTpuDevice(EdgeTpuDevice.Type.parse(f[1]), f[2]));
                    break;
                case "error": error = Optional.of(unescape(f.length > 1 ? f[1] : "")); any = true; break;
                default: break;
            }
        }
        if (!any) return unavailable("the Edge TPU probe printed nothing");
        return new EdgeTpuProbe(version, library, devices, tflite, error);
    }

    /** Prints the probe's lines (the format {@link #parse} reads). */
    static void print(EdgeTpuProbe p, PrintStream out) {
        p.version().ifPresent(v -> out.println("version\t" + escape(v)));
        p.tfliteVersion().ifPresent(v -> out.println("tflite\t" + escape(v)));
        if (!p.library().isEmpty()) out.println("library\t" + escape(p.library()));
        for (EdgeTpuDevice d : p.devices()) out.println("device\t" + d.type().label() + "\t" + escape(d.path()));
        p.error().ifPresent(e -> out.println("error\t" + escape(e)));
        out.flush();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", " ");
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\\\", "\\");
    }

    /** Child entry point: probe, print, exit 0. */
    public static void main(String[] args) {
        PrintStream out = System.out;
        System.setOut(System.err); // native or library chatter must not mix with the records
        print(inProcess(), out);
        System.exit(0);
    }
}
