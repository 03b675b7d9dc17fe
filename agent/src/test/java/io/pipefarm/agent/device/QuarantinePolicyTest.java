package io.pipefarm.agent.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuarantinePolicyTest {

    /** A clock tests move by hand. */
    static final class FakeClock extends Clock {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static final RunOutcome CRASH =
            new RunOutcome.Failed(ErrorKind.ERROR_KIND_CRASH, "runner died (signal 11)\nstderr...");
    static final RunOutcome TIMEOUT = new RunOutcome.Failed(ErrorKind.ERROR_KIND_TIMEOUT, "no reply in 60 s");
    static final RunOutcome GONE = new RunOutcome.Failed(ErrorKind.ERROR_KIND_UNAVAILABLE, "device unplugged");
    static final RunOutcome BAD = new RunOutcome.Failed(ErrorKind.ERROR_KIND_BAD_INPUT, "not a model");
    static final RunOutcome OK = new RunOutcome.Measured(new long[] {1000}, Map.of());

    @Test
    void backoffDoublesToTheCap() {
        QuarantinePolicy p = new QuarantinePolicy();
        assertEquals(Duration.ofMinutes(1), p.backoff(1));
        assertEquals(Duration.ofMinutes(2), p.backoff(2));
        assertEquals(Duration.ofMinutes(16), p.backoff(5));
        assertEquals(Duration.ofMinutes(30), p.backoff(6));
        assertEquals(Duration.ofMinutes(30), p.backoff(60));
        assertThrows(
                IllegalArgumentException.class,
                () -> new QuarantinePolicy(0, Duration.ofMinutes(1), Duration.ofMinutes(30), Clock.systemUTC()));
    }

    @Test
    void threeDeviceFailuresInARowQuarantineThenReprobeAndDouble() {
        FakeClock clock = new FakeClock();
        QuarantinePolicy p = new QuarantinePolicy(3, Duration.ofMinutes(1), Duration.ofMinutes(30), clock);
        assertTrue(p.record("d", CRASH).isEmpty());
        assertTrue(p.record("d", TIMEOUT).isEmpty());
        assertTrue(p.check("d").isEmpty());
        QuarantinePolicy.Quarantine q = p.record("d", GONE).orElseThrow();
        assertEquals(clock.now.plus(Duration.ofMinutes(1)), q.until());
        assertEquals(3, q.failures());
        assertEquals("UNAVAILABLE: device unplugged", q.lastError());

        clock.advance(Duration.ofSeconds(59));
        assertTrue(p.check("d").isPresent());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(p.check("d").isEmpty(), "back-off over: re-probe");
        QuarantinePolicy.Quarantine q2 = p.record("d", CRASH).orElseThrow(); // the re-probe failed: at once, doubled
        assertEquals(Duration.ofMinutes(2), q2.backoff());
        assertEquals(clock.now.plus(Duration.ofMinutes(2)), q2.until());
        assertEquals("CRASH: runner died (signal 11)", q2.lastError(), "first line only");

        clock.advance(Duration.ofMinutes(2));
        assertTrue(p.check("d").isEmpty());
        assertTrue(p.record("d", OK).isEmpty(), "re-probe succeeded");
        assertEquals(0, p.consecutiveFailures("d"));
        assertTrue(p.record("d", CRASH).isEmpty(), "history cleared: one failure does not quarantine");
        assertTrue(p.record("d", CRASH).isEmpty());
        assertEquals(Duration.ofMinutes(1), p.record("d", CRASH).orElseThrow().backoff(), "back-off starts over");
    }

    @Test
    void segmentFailuresAndOtherDevicesDoNotCount() {
        FakeClock clock = new FakeClock();
        QuarantinePolicy p = new QuarantinePolicy(2, Duration.ofMinutes(1), Duration.ofMinutes(30), clock);
        p.record("a", CRASH);
        p.record("a", BAD); // the device answered
        assertTrue(p.record("a", CRASH).isEmpty());
        assertTrue(p.record("b", CRASH).isEmpty());
        assertTrue(p.record("a", TIMEOUT).isPresent());
        assertTrue(p.check("b").isEmpty());
        assertTrue(p.current("a").isPresent());
        assertFalse(p.current("b").isPresent());
    }

    @Test
    void theDecoratorRefusesJobsWhileQuarantined() {
        FakeClock clock = new FakeClock();
        Deque<RunOutcome> script = new ArrayDeque<>(List.of(CRASH, CRASH, CRASH, OK));
        int[] calls = {0};
        DeviceRuntime inner = new DeviceRuntime() {
            @Override
            public String name() {
                return "fake";
            }

            @Override
            public List<DeviceInfo> discover() {
                return List.of(new DeviceInfo("tpu-usb-2-1", "edgetpu-usb", "fake", Map.of(), Map.of()));
            }

            @Override
            public RunOutcome profile(DeviceInfo device, String key, byte[] segment, ProfileSpec spec) {
                calls[0]++;
                return script.pop();
            }
        };
        QuarantiningRuntime rt = new QuarantiningRuntime(
                inner, new QuarantinePolicy(3, Duration.ofMinutes(1), Duration.ofMinutes(30), clock));
        DeviceInfo d = rt.discover().get(0);
        assertEquals("fake", rt.name());
        ProfileSpec spec = ProfileSpec.getDefaultInstance();
        for (int i = 0; i < 3; i++)
            assertEquals(
                    ErrorKind.ERROR_KIND_CRASH, ((RunOutcome.Failed) rt.profile(d, "k", new byte[1], spec)).kind());
        RunOutcome.Failed q = assertInstanceOf(RunOutcome.Failed.class, rt.profile(d, "k", new byte[1], spec));
        assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, q.kind());
        assertTrue(q.message().startsWith("device tpu-usb-2-1 quarantined until 2025-01-01T00:01:00Z"), q.message());
        assertTrue(
                q.message().contains("after 3 failures in a row: last error CRASH: runner died (signal 11)"),
                q.message());
        assertEquals(3, calls[0], "the device was not touched while quarantined");
        clock.advance(Duration.ofMinutes(1));
        assertInstanceOf(RunOutcome.Measured.class, rt.profile(d, "k", new byte[1], spec));
        assertEquals(4, calls[0]);
    }
}
