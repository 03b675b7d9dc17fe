package io.pipefarm.agent.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedLatencyRuntimeTest {

    @Test
    void zeroLatencyReturnsAtOnceWithoutReadingTheSegment() {
        try (FixedLatencyRuntime rt = new FixedLatencyRuntime("bench-fixed", 3, Duration.ZERO)) {
            List<DeviceInfo> devices = rt.discover();
            assertEquals(3, devices.size());
            assertEquals("fixed2", devices.get(2).id());
            assertEquals("bench-fixed", devices.get(0).kind());
            assertEquals("fixed", rt.name());
            RunOutcome o = rt.profile(
                    devices.get(1),
                    "k",
                    null,
                    ProfileSpec.newBuilder().setTimedRuns(4).build());
            RunOutcome.Measured m = assertInstanceOf(RunOutcome.Measured.class, o);
            assertArrayEquals(new long[4], m.samplesNs());
            assertEquals(1, rt.jobs());
        }
    }

    @Test
    void fixedLatencyTakesThatWallTime() {
        FixedLatencyRuntime rt = new FixedLatencyRuntime("bench-fixed", 1, Duration.ofMillis(20));
        long t0 = System.nanoTime();
        RunOutcome.Measured m = assertInstanceOf(
                RunOutcome.Measured.class,
                rt.profile(rt.discover().get(0), "k", new byte[0], ProfileSpec.getDefaultInstance()));
        long took = System.nanoTime() - t0;
        assertTrue(took >= 20_000_000L, "took " + took + " ns");
        assertArrayEquals(new long[] {20_000_000L}, m.samplesNs());
        rt.close();
        assertEquals(
                ErrorKind.ERROR_KIND_UNAVAILABLE,
                assertInstanceOf(
                                RunOutcome.Failed.class,
                                rt.profile(
                                        rt.discover().isEmpty()
                                                ? null
                                                : rt.discover().get(0),
                                        "k",
                                        null,
                                        ProfileSpec.getDefaultInstance()))
                        .kind());
    }
}
