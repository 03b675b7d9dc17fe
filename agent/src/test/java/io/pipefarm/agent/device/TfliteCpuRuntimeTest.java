package io.pipefarm.agent.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.agent.runner.RunnerConfig;
import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segment;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TfliteCpuRuntimeTest {
    private static TfliteCpuRuntime runtime;
    private static DeviceInfo device;
    private static Segment segment;

    @BeforeAll
    static void start() {
        runtime = new TfliteCpuRuntime(
                List.of(1, 2),
                id -> RunnerConfig.builder()
                        .name(id)
                        .defaultJobTimeout(Duration.ofSeconds(60))
                        .build(),
                Duration.ofSeconds(60));
        List<DeviceInfo> devices = runtime.discover();
        assertEquals(2, devices.size(), "devices: " + devices);
        device = devices.get(0);
        Graph g = ModelZoo.build("mobilenet_v1");
        segment = new Segmenter().segment(g, 3, 9);
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    private static ProfileSpec spec(int timed) {
        return ProfileSpec.newBuilder()
                .setWarmupRuns(1)
                .setTimedRuns(timed)
                .setTimeBudgetMs(30_000)
                .build();
    }

    private static RunOutcome.Measured measured(RunOutcome o) {
        return assertInstanceOf(RunOutcome.Measured.class, o, () -> "expected a measurement, got " + o);
    }

    @Test
    void discoversOneDevicePerThreadCount() {
        List<DeviceInfo> devices = runtime.discover();
        String arch = DeviceKind.hostArch();
        assertTrue(Set.of("x86_64", "arm64").contains(arch) || !arch.isEmpty());
        assertEquals("cpu0", devices.get(0).id());
        assertEquals("cpu-" + arch + "-t1", devices.get(0).kind());
        assertEquals("cpu1", devices.get(1).id());
        assertEquals("cpu-" + arch + "-t2", devices.get(1).kind());
        for (DeviceInfo d : devices) {
            assertEquals("tflite-cpu", d.runtime());
            assertEquals("2.20.0", d.versions().get("tflite"));
            assertTrue(
                    Integer.parseInt(d.properties().get("cores")) >= 1,
                    d.properties().toString());
        }
        assertEquals(
                "cpu-x86_64-t1".replace("x86_64", arch), DeviceKind.hostCpu(1).name());
        assertEquals(devices, runtime.discover(), "discover() is stable");
    }

    @Test
    void profilesAZooSegmentThroughTheRunner() {
        RunOutcome.Measured m = measured(runtime.profile(device, segment.key(), segment.bytes(), spec(5)));
        assertEquals(5, m.samplesNs().length);
        assertTrue(Arrays.stream(m.samplesNs()).allMatch(t -> t > 0), Arrays.toString(m.samplesNs()));
        assertEquals("2.20.0", m.versions().get("tflite"));
        assertTrue(m.versions().containsKey("cond.load1"), "conditions recorded with the profile: " + m.versions());

        RunOutcome.Measured two = measured(runtime.profile(
                runtime.discover().get(1),
                segment.key(),
                segment.bytes(),
                ProfileSpec.newBuilder().setTimedRuns(3).setThreads(2).build()));
        assertEquals(3, two.samplesNs().length);
    }

    @Test
    void adaptiveSamplingStopsWithinMaxRuns() {
        ProfileSpec s = ProfileSpec.newBuilder()
                .setWarmupRuns(1)
                .setTimedRuns(3)
                .setTargetRelError(1e-9)
                .setMaxRuns(12)
                .build();
        RunOutcome.Measured m = measured(runtime.profile(device, segment.key(), segment.bytes(), s));
        assertEquals(12, m.samplesNs().length);
    }

    @Test
    void everyRunAlsoHasItsThreadCpuTime() {
        RunOutcome.Measured m = measured(runtime.profile(device, segment.key(), segment.bytes(), spec(4)));
        long[] cpu = m.threadCpuNs();
        assertEquals(4, cpu.length);
        assertTrue(Arrays.stream(cpu).allMatch(t -> t > 0), Arrays.toString(cpu));
    }

    @Test
    void aMinimumTimedTotalAddsRunsUpToMaxRuns() {
        // a total no segment reaches in 9 runs: the runner keeps timing until max_runs
        ProfileSpec s = ProfileSpec.newBuilder()
                .setWarmupRuns(1)
                .setTimedRuns(2)
                .setMinTimedNs(3_600_000_000_000L)
                .setMaxRuns(9)
                .build();
        assertEquals(
                9,
                measured(runtime.profile(device, segment.key(), segment.bytes(), s))
                        .samplesNs()
                        .length);
        // a total any run reaches: exactly timed_runs
        ProfileSpec t = ProfileSpec.newBuilder()
                .setWarmupRuns(1)
                .setTimedRuns(3)
                .setMinTimedNs(1)
                .setMaxRuns(9)
                .build();
        assertEquals(
                3,
                measured(runtime.profile(device, segment.key(), segment.bytes(), t))
                        .samplesNs()
                        .length);
    }

    @Test
    void corruptBlobFailsAndTheRuntimeStillWorks() {
        byte[] corrupt = segment.bytes().clone();
        // keep the flatbuffer header, scribble over the rest
        for (int i = 16; i < corrupt.length; i += 7) corrupt[i] ^= (byte) 0x5A;
        RunOutcome bad = runtime.profile(device, "corrupt", corrupt, spec(3));
        RunOutcome.Failed f = assertInstanceOf(RunOutcome.Failed.class, bad, () -> "expected a failure, got " + bad);
        assertTrue(
                f.kind() == ErrorKind.ERROR_KIND_LOAD || f.kind() == ErrorKind.ERROR_KIND_BAD_INPUT,
                "kind " + f.kind() + ": " + f.message());

        byte[] garbage = "this is not a tflite model".getBytes();
        RunOutcome.Failed g =
                assertInstanceOf(RunOutcome.Failed.class, runtime.profile(device, "garbage", garbage, spec(3)));
        assertTrue(
                g.kind() == ErrorKind.ERROR_KIND_LOAD || g.kind() == ErrorKind.ERROR_KIND_BAD_INPUT,
                "kind " + g.kind() + ": " + g.message());

        RunOutcome.Measured m = measured(runtime.profile(device, segment.key(), segment.bytes(), spec(2)));
        assertEquals(2, m.samplesNs().length);
    }

    @Test
    void badSpecsAndUnknownDevicesFailWithoutRunning() {
        RunOutcome.Failed threads = assertInstanceOf(
                RunOutcome.Failed.class,
                runtime.profile(
                        device,
                        segment.key(),
                        segment.bytes(),
                        ProfileSpec.newBuilder().setTimedRuns(1).setThreads(4).build()));
        assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, threads.kind());
        RunOutcome.Failed negative = assertInstanceOf(
                RunOutcome.Failed.class,
                runtime.profile(
                        device,
                        segment.key(),
                        segment.bytes(),
                        ProfileSpec.newBuilder().setTimedRuns(-1).build()));
        assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, negative.kind());
        RunOutcome.Failed empty =
                assertInstanceOf(RunOutcome.Failed.class, runtime.profile(device, "empty", new byte[0], spec(1)));
        assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, empty.kind());
        DeviceInfo stranger = new DeviceInfo("cpu9", "cpu-x-t1", "tflite-cpu", Map.of(), Map.of());
        RunOutcome.Failed unknown = assertInstanceOf(
                RunOutcome.Failed.class, runtime.profile(stranger, segment.key(), segment.bytes(), spec(1)));
        assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, unknown.kind());
    }

    @Test
    void inputSeedIsFixedPerSegmentKey() {
        assertEquals(TfliteCpuRuntime.inputSeed(segment.key()), TfliteCpuRuntime.inputSeed(segment.key()));
        assertEquals(
                Long.parseUnsignedLong(segment.key().substring(0, 16), 16), TfliteCpuRuntime.inputSeed(segment.key()));
        assertTrue(TfliteCpuRuntime.inputSeed("a") != TfliteCpuRuntime.inputSeed("b"));
        var req = TfliteCpuRuntime.request(
                1,
                segment.key(),
                segment.bytes(),
                ProfileSpec.newBuilder()
                        .setWarmupRuns(2)
                        .setTimedRuns(0)
                        .setMaxRuns(7)
                        .setTimeBudgetMs(5_000)
                        .build(),
                2,
                Duration.ofSeconds(60));
        assertEquals(2, req.getWarmupRuns());
        assertEquals(1, req.getTimedRuns(), "a profile needs a sample");
        assertEquals(7, req.getMaxRuns());
        assertEquals(5_000, req.getBudgetMs());
        assertEquals(2, req.getThreads());
        assertTrue(req.getTimeoutMs() >= 60_000);
        assertEquals(0, req.getInputsCount());
    }

    @Test
    void closedRuntimeFailsWithUnavailable() {
        TfliteCpuRuntime other = new TfliteCpuRuntime();
        List<DeviceInfo> devices = other.discover();
        assertEquals(1, devices.size());
        other.close();
        RunOutcome.Failed f = assertInstanceOf(
                RunOutcome.Failed.class, other.profile(devices.get(0), segment.key(), segment.bytes(), spec(1)));
        assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, f.kind());
    }
}
