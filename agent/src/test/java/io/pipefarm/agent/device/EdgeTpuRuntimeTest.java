package io.pipefarm.agent.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.agent.edgetpu.CompiledModels;
import io.pipefarm.agent.edgetpu.EdgeTpuDevice;
import io.pipefarm.agent.edgetpu.EdgeTpuLibrary;
import io.pipefarm.agent.edgetpu.EdgeTpuProbe;
import io.pipefarm.agent.runner.RunnerConfig;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Edge TPU runtime on a host without Edge TPUs (and with pretend ones where no native call is needed). */
class EdgeTpuRuntimeTest {
    private static final ProfileSpec SPEC =
            ProfileSpec.newBuilder().setWarmupRuns(1).setTimedRuns(3).build();

    private static EdgeTpuProbe pretend(EdgeTpuDevice... devices) {
        return new EdgeTpuProbe(
                Optional.of("BuildLabel(x),RuntimeVersion(14)"),
                "/usr/lib/libedgetpu.so.1",
                List.of(devices),
                Optional.of("2.20.0"),
                Optional.empty());
    }

    @Test
    void discoveryWithoutTheLibraryFindsNoneAndSaysWhy() {
        try (EdgeTpuRuntime rt = new EdgeTpuRuntime(EdgeTpuRuntime.Settings.defaults()
                .withProbe(() -> EdgeTpuProbe.unavailable(
                        "Edge TPU runtime unavailable: libedgetpu.so.1 not found; " + EdgeTpuLibrary.INSTALL_HINT)))) {
            assertEquals(List.of(), rt.discover());
            assertTrue(rt.status().startsWith("no Edge TPUs: "), rt.status());
            assertTrue(rt.status().contains("libedgetpu1-std"), rt.status());
        }
    }

    @Test
    void discoveryInAChildOnThisHost() {
        // the real probe in a child JVM; this host has no libedgetpu (or no device): no devices, a reason
        try (EdgeTpuRuntime rt = new EdgeTpuRuntime()) {
            List<DeviceInfo> devices = rt.discover();
            if (devices.isEmpty()) {
                assertTrue(rt.status().startsWith("no Edge TPUs: "), rt.status());
                assertTrue(rt.status().contains("libedgetpu") || rt.status().contains("Edge TPU"), rt.status());
            } else {
                assertTrue(devices.get(0).kind().startsWith("edgetpu-"), devices.toString());
            }
        }
    }

    @Test
    void libraryButNoDevices() {
        try (EdgeTpuRuntime rt =
                new EdgeTpuRuntime(EdgeTpuRuntime.Settings.defaults().withProbe(EdgeTpuRuntimeTest::pretend))) {
            assertEquals(List.of(), rt.discover());
            assertTrue(rt.status().contains("found no Edge TPU"), rt.status());
        }
    }

    @Test
    void devicesGetKindsIdsAndVersions() {
        try (EdgeTpuRuntime rt = new EdgeTpuRuntime(EdgeTpuRuntime.Settings.defaults()
                .withDelegateOptions(Map.of("Performance", "high"))
                .withProbe(() -> pretend(
                        new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/2-1"),
                        new EdgeTpuDevice(EdgeTpuDevice.Type.PCI, "/dev/apex_0"))))) {
            List<DeviceInfo> devices = rt.discover();
            assertEquals(2, devices.size());
            DeviceInfo usb = devices.get(0);
            assertEquals("tpu-usb-2-1", usb.id());
            assertEquals("edgetpu-usb", usb.kind());
            assertEquals("edgetpu", usb.runtime());
            assertEquals("BuildLabel(x),RuntimeVersion(14)", usb.versions().get("libedgetpu"));
            assertEquals("2.20.0", usb.versions().get("tflite"));
            assertEquals("/sys/bus/usb/devices/2-1", usb.properties().get("path"));
            assertEquals("Performance=High", usb.properties().get("options"));
            assertEquals("edgetpu-pci", devices.get(1).kind());
            assertEquals("tpu-pci-apex_0", devices.get(1).id());
            assertEquals(devices, rt.discover(), "discovery is done once");
        }
    }

    @Test
    void uncompiledAndCorruptSegmentsFailBeforeAnyRunner() {
        try (EdgeTpuRuntime rt = new EdgeTpuRuntime(EdgeTpuRuntime.Settings.defaults()
                .withProbe(() -> pretend(new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/2-1"))))) {
            DeviceInfo d = rt.discover().get(0);
            byte[] plain = new Segmenter()
                    .segment(ModelZoo.build("mobilenet_v1"), 0, 4)
                    .bytes();
            RunOutcome.Failed f = assertInstanceOf(RunOutcome.Failed.class, rt.profile(d, "k-plain", plain, SPEC));
            assertEquals(ErrorKind.ERROR_KIND_COMPILE, f.kind());
            assertTrue(f.message().contains("segment k-plain is not compiled for the Edge TPU"), f.message());
            assertTrue(f.message().contains("edgetpu_compiler"), f.message());
            assertTrue(
                    f.message().contains("found at")
                            || f.message().contains("not found on PATH")
                            || f.message().contains("not an executable"),
                    f.message());

            RunOutcome.Failed bad = assertInstanceOf(
                    RunOutcome.Failed.class, rt.profile(d, "k-bad", "garbage!garbage!".getBytes(), SPEC));
            assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, bad.kind());
            assertEquals(
                    ErrorKind.ERROR_KIND_BAD_INPUT,
                    ((RunOutcome.Failed) rt.profile(d, "k-empty", new byte[0], SPEC)).kind());
            assertEquals(
                    ErrorKind.ERROR_KIND_UNAVAILABLE,
                    ((RunOutcome.Failed) rt.profile(
                                    new DeviceInfo("tpu-usb-9-9", "edgetpu-usb", "edgetpu", Map.of(), Map.of()),
                                    "k",
                                    plain,
                                    SPEC))
                            .kind());
        }
    }

    /** A compiled segment goes to the device's runner child, which cannot load libedgetpu here: UNAVAILABLE. */
    @Test
    void aCompiledSegmentRunsInTheRunnerChild() {
        try (EdgeTpuRuntime rt = new EdgeTpuRuntime(EdgeTpuRuntime.Settings.defaults()
                .withRunnerConfigs(id -> RunnerConfig.builder()
                        .name(id)
                        .defaultJobTimeout(Duration.ofSeconds(60))
                        .addJvmArg("-D" + EdgeTpuLibrary.PROPERTY + "=/nonexistent/libedgetpu.so.1")
                        .build())
                .withProbe(() -> pretend(new EdgeTpuDevice(EdgeTpuDevice.Type.USB, "/sys/bus/usb/devices/2-1"))))) {
            DeviceInfo d = rt.discover().get(0);
            RunOutcome o = rt.profile(d, "k-compiled", CompiledModels.compiledSegment(), SPEC);
            RunOutcome.Failed f = assertInstanceOf(RunOutcome.Failed.class, o);
            assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, f.kind(), f.message());
            assertTrue(f.message().startsWith("tpu-usb-2-1 (usb:/sys/bus/usb/devices/2-1): "), f.message());
            assertTrue(f.message().contains("/nonexistent/libedgetpu.so.1"), f.message());
            assertTrue(f.message().contains("libedgetpu1-std"), f.message());
        }
    }
}
