package io.pipefarm.agent.edgetpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.pipefarm.agent.tflite.TfliteException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading libedgetpu: missing library messages, and the whole C API against a fake library built with cc. */
class EdgeTpuLibraryTest {
    @TempDir
    static Path dir;

    static Path fake;

    @BeforeAll
    static void buildFake() throws Exception {
        fake = FakeLibEdgeTpu.build(dir);
    }

    @Test
    void aMissingConfiguredLibrarySaysWhatAndHowToInstall() {
        Path missing = dir.resolve("nope/libedgetpu.so.1");
        TfliteException e = assertThrows(TfliteException.class, () -> EdgeTpuLibrary.load(missing.toString()));
        assertEquals(TfliteException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("libedgetpu1-std"), e.getMessage());
        assertTrue(e.getMessage().contains("libedgetpu1-max"), e.getMessage());
        assertTrue(e.getMessage().contains(EdgeTpuLibrary.PROPERTY), e.getMessage());
    }

    @Test
    void aHostWithoutLibedgetpuSaysSo() {
        try {
            EdgeTpuLibrary lib = EdgeTpuLibrary.load(null);
            assumeTrue(false, "this host has libedgetpu (" + lib.version() + ")");
        } catch (TfliteException e) {
            assertEquals(TfliteException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("libedgetpu.so.1 not found"), e.getMessage());
            assertTrue(e.getMessage().contains("apt-get install libedgetpu1-std"), e.getMessage());
        }
    }

    @Test
    void aLibraryWithoutTheApiIsRejected() {
        TfliteException e = assertThrows(
                TfliteException.class,
                () -> EdgeTpuLibrary.load(Platform.C_LIBRARY_NAME.equals("c") ? findLibc() : "/nonexistent"));
        assertEquals(TfliteException.Kind.UNAVAILABLE, e.kind());
    }

    private static String findLibc() {
        for (String p : List.of(
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib/aarch64-linux-gnu/libc.so.6",
                "/usr/lib64/libc.so.6",
                "/lib64/libc.so.6")) {
            if (Files.exists(Path.of(p))) return p;
        }
        return "/nonexistent";
    }

    @Test
    void noDevicesIsAnEmptyListAndSaysWhy() {
        assumeTrue(fake != null, "no C compiler to build the fake libedgetpu");
        EdgeTpuLibrary lib = EdgeTpuLibrary.load(fake.toString());
        NativeLibrary.getInstance(fake.toString())
                .getFunction("fake_set_devices")
                .invokeVoid(new Object[] {0});
        assertEquals(List.of(), lib.listDevices());
        EdgeTpuProbe probe = new EdgeTpuProbe(
                Optional.of(lib.version()), lib.location(), lib.listDevices(), Optional.of("2.20.0"), Optional.empty());
        assertFalse(probe.usable());
        assertTrue(probe.noDevicesReason().contains("found no Edge TPU"), probe.noDevicesReason());
        assertTrue(probe.noDevicesReason().contains("libedgetpu 14"), probe.noDevicesReason());
    }

    @Test
    void theCApiWorksAgainstAFakeLibrary() {
        assumeTrue(fake != null, "no C compiler to build the fake libedgetpu");
        NativeLibrary nl = NativeLibrary.getInstance(fake.toString());
        EdgeTpuLibrary lib = EdgeTpuLibrary.load(fake.toString());
        assertEquals("BuildLabel(COMPILER=fake,DATE=test),RuntimeVersion(14)", lib.version());
        assertEquals("14", EdgeTpuLibrary.shortVersion(lib.version()));

        nl.getFunction("fake_set_devices").invokeVoid(new Object[] {3});
        int freesBefore = nl.getFunction("fake_list_frees").invokeInt(new Object[0]);
        List<EdgeTpuDevice> devices = lib.listDevices();
        assertEquals(
                List.of(
                        new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/2-1"),
                        new EdgeTpuDevice(EdgeTpuDevice.Type.PCI, "/dev/apex_0"),
                        new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/4-1")),
                devices);
        assertEquals(freesBefore + 1, nl.getFunction("fake_list_frees").invokeInt(new Object[0]), "list freed once");

        Map<String, String> options = new LinkedHashMap<>();
        options.put("Performance", "max");
        options.put("Usb.AlwaysDfu", "False");
        Pointer d = lib.createDelegate(devices.get(1), options);
        assertEquals(
                "0|/dev/apex_0|2|Performance=Max|Usb.AlwaysDfu=False",
                nl.getFunction("fake_last_create").invokeString(new Object[0], false));
        assertEquals(1, nl.getFunction("fake_live_delegates").invokeInt(new Object[0]));
        lib.freeDelegate(d);
        assertEquals(0, nl.getFunction("fake_live_delegates").invokeInt(new Object[0]));

        Pointer any = lib.createDelegate(new EdgeTpuDevice(EdgeTpuDevice.Type.USB, ""), Map.of());
        assertEquals("1|(null)|0", nl.getFunction("fake_last_create").invokeString(new Object[0], false));
        lib.freeDelegate(any);

        TfliteException e = assertThrows(
                TfliteException.class,
                () -> lib.createDelegate(new EdgeTpuDevice(EdgeTpuDevice.Type.PCI, "/dev/missing"), Map.of()));
        assertEquals(TfliteException.Kind.UNAVAILABLE, e.kind());
        assertTrue(
                e.getMessage().contains("edgetpu_create_delegate returned NULL for pci:/dev/missing"), e.getMessage());

        lib.verbosity(3);
        assertEquals(3, nl.getFunction("fake_verbosity").invokeInt(new Object[0]));
        assertThrows(IllegalArgumentException.class, () -> lib.verbosity(11));
    }

    @Test
    void theProbeChildReportsTheFakeLibrarysDevices() {
        assumeTrue(fake != null, "no C compiler to build the fake libedgetpu");
        // a fresh JVM: the fake starts with no devices
        List<String> cmd = List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + EdgeTpuLibrary.PROPERTY + "=" + fake,
                "-cp",
                System.getProperty("java.class.path"));
        EdgeTpuProbe p = EdgeTpuProbe.inChild(cmd, Duration.ofSeconds(60));
        assertTrue(p.libraryLoaded(), p.toString());
        assertEquals(List.of(), p.devices());
        assertFalse(p.usable());
        assertTrue(
                p.noDevicesReason().contains("found no Edge TPU") || p.error().isPresent(), p.toString());

        List<String> missing = List.of(
                cmd.get(0),
                "-D" + EdgeTpuLibrary.PROPERTY + "=" + dir.resolve("missing.so"),
                "-cp",
                System.getProperty("java.class.path"));
        EdgeTpuProbe none = EdgeTpuProbe.inChild(missing, Duration.ofSeconds(60));
        assertFalse(none.libraryLoaded());
        assertTrue(none.noDevicesReason().contains("libedgetpu1-std"), none.toString());
    }

    @Test
    void probeReportsRoundTripThroughDelimitedProtobuf() throws Exception {
        EdgeTpuProbe p = new EdgeTpuProbe(
                Optional.of("v(14)"),
                "/usr/lib/libedgetpu.so.1",
                List.of(
                        new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/2-1"),
                        new EdgeTpuDevice(EdgeTpuDevice.Type.PCI, "/dev/apex_0")),
                Optional.of("2.20.0"),
                Optional.empty());
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        EdgeTpuProbe.write(p, b);
        assertEquals(p, EdgeTpuProbe.read(b.toByteArray()));
        assertTrue(p.usable());
        EdgeTpuProbe bad = EdgeTpuProbe.unavailable("multi\nline\twith tab");
        b.reset();
        EdgeTpuProbe.write(bad, b);
        assertEquals(bad, EdgeTpuProbe.read(b.toByteArray()));
        // an empty version is a version, not none
        EdgeTpuProbe empty = new EdgeTpuProbe(Optional.of(""), "", List.of(), Optional.empty(), Optional.empty());
        b.reset();
        EdgeTpuProbe.write(empty, b);
        assertTrue(EdgeTpuProbe.read(b.toByteArray()).libraryLoaded());

        EdgeTpuProbe none = EdgeTpuProbe.read(new byte[0]);
        assertFalse(none.libraryLoaded());
        assertTrue(none.noDevicesReason().contains("printed nothing"), none.toString());
        EdgeTpuProbe garbage = EdgeTpuProbe.read("version\tv(14)\n".getBytes(StandardCharsets.UTF_8));
        assertFalse(garbage.libraryLoaded());
        assertTrue(garbage.noDevicesReason().contains("unreadable"), garbage.toString());
    }
}
