package io.pipefarm.agent.edgetpu;

import io.pipefarm.agent.tflite.LibC;
import io.pipefarm.agent.tflite.TfliteException;
import io.pipefarm.agent.tflite.TfliteRuntime;
import io.pipefarm.proto.runner.EdgeTpuBus;
import io.pipefarm.proto.runner.EdgeTpuProbeDevice;
import io.pipefarm.proto.runner.EdgeTpuProbeReport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 * never loads libedgetpu itself. The child writes one length-delimited {@link EdgeTpuProbeReport}
 * (proto/probe.proto) to its stdout, the framing the runner child uses.
 */
public record EdgeTpuProbe(
        Optional<String> version,
        String library,
        List<EdgeTpuDevice> devices,
        Optional<String> tfliteVersion,
        Optional<String> error) {

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
            p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
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
            EdgeTpuProbe parsed = read(out.toByteArray());
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
        Thread t = new Thread(
                () -> {
                    try (in) {
                        in.transferTo(to);
                    } catch (IOException ignored) {
                        // process gone
                    }
                },
                "edgetpu-probe-drain");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String tail(String s, int lines) {
        List<String> all = s.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size()))
                .strip();
    }

    /** Reads the child's output: one length-delimited report (see the class comment). */
    static EdgeTpuProbe read(byte[] output) {
        EdgeTpuProbeReport r;
        try {
            r = EdgeTpuProbeReport.parseDelimitedFrom(new ByteArrayInputStream(output));
        } catch (IOException e) { // InvalidProtocolBufferException: a byte array has no other I/O
            return unavailable("the Edge TPU probe's report is unreadable (" + e.getMessage() + ")");
        }
        if (r == null) return unavailable("the Edge TPU probe printed nothing");
        List<EdgeTpuDevice> devices = new ArrayList<>();
        for (EdgeTpuProbeDevice d : r.getDevicesList()) {
            EdgeTpuDevice.Type type = switch (d.getBus()) {
                case EDGE_TPU_BUS_PCI -> EdgeTpuDevice.Type.PCI;
                case EDGE_TPU_BUS_USB -> EdgeTpuDevice.Type.USB;
                default -> null;
            };
            if (type == null) {
                return unavailable("the Edge TPU probe reported " + d.getPath() + " on an unknown bus ("
                        + d.getBusValue() + "); run an agent and probe of the same version");
            }
            devices.add(new EdgeTpuDevice(type, d.getPath()));
        }
        return new EdgeTpuProbe(
                r.hasLibedgetpuVersion() ? Optional.of(r.getLibedgetpuVersion()) : Optional.empty(),
                r.getLibrary(),
                devices,
                r.hasTfliteVersion() ? Optional.of(r.getTfliteVersion()) : Optional.empty(),
                r.hasError() ? Optional.of(r.getError()) : Optional.empty());
    }

    /** Writes the report {@link #read} reads. */
    static void write(EdgeTpuProbe p, OutputStream out) throws IOException {
        EdgeTpuProbeReport.Builder r = EdgeTpuProbeReport.newBuilder().setLibrary(p.library());
        p.version().ifPresent(r::setLibedgetpuVersion);
        p.tfliteVersion().ifPresent(r::setTfliteVersion);
        p.error().ifPresent(r::setError);
        for (EdgeTpuDevice d : p.devices()) {
            r.addDevices(EdgeTpuProbeDevice.newBuilder()
                    .setPath(d.path())
                    .setBus(
                            d.type() == EdgeTpuDevice.Type.USB
                                    ? EdgeTpuBus.EDGE_TPU_BUS_USB
                                    : EdgeTpuBus.EDGE_TPU_BUS_PCI));
        }
        r.build().writeDelimitedTo(out);
        out.flush();
    }

    /** Child entry point: probe, write the report, exit 0. */
    public static void main(String[] args) {
        PrintStream log = System.err;
        System.setOut(log); // Java chatter must not mix with the report
        // Native code may write to fd 1 as well: point it at stderr while libedgetpu runs.
        int stdout = -1;
        try {
            stdout = LibC.dup(1);
            if (stdout >= 0 && LibC.dup2(2, 1) < 0) {
                LibC.close(stdout);
                stdout = -1;
            }
        } catch (RuntimeException | LinkageError e) {
            log.println("pipefarm edgetpu probe: cannot isolate stdout (" + e + ")");
        }
        EdgeTpuProbe probe = inProcess();
        int exit = 0;
        try {
            if (stdout >= 0 && LibC.dup2(stdout, 1) < 0) {
                throw new IOException("cannot restore stdout (dup2 failed)");
            }
            write(probe, new FileOutputStream(FileDescriptor.out));
        } catch (IOException | RuntimeException | LinkageError e) {
            log.println("pipefarm edgetpu probe: cannot write the report: " + e);
            exit = 3;
        }
        log.flush();
        System.exit(exit);
    }
}
