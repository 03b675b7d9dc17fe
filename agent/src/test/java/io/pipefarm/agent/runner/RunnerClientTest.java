package io.pipefarm.agent.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.pipefarm.agent.tflite.TinyModels;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.runner.InputData;
import io.pipefarm.proto.runner.RunReply;
import io.pipefarm.proto.runner.RunRequest;
import io.pipefarm.proto.runner.TestHook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunnerClientTest {
    private static RunnerClient client;

    @TempDir
    static Path crashDir;

    @BeforeAll
    static void startClient() {
        client = new RunnerClient(RunnerConfig.builder()
                .name("test")
                .enableTestHooks()
                .addJvmArg("-XX:ErrorFile=" + crashDir.resolve("hs_err_pid%p.log"))
                .defaultJobTimeout(Duration.ofSeconds(60))
                .build());
    }

    @AfterAll
    static void stopClient() {
        client.close();
    }

    private static RunRequest.Builder addRequest() {
        return RunRequest.newBuilder()
                .setRequestId(client.nextRequestId())
                .setModelBytes(ByteString.copyFrom(TinyModels.add(4)))
                .addInputs(InputData.newBuilder().setData(ByteString.copyFrom(new byte[] {1, -5, 100, -100})))
                .addInputs(InputData.newBuilder().setData(ByteString.copyFrom(new byte[] {2, 3, 100, -100})))
                .setWarmupRuns(2)
                .setTimedRuns(5)
                .setThreads(1)
                .setReturnOutputs(true)
                .setTimeoutMs(30_000);
    }

    private static void assertOk(RunReply reply) {
        assertFalse(reply.hasError(), () -> "unexpected error: " + reply.getError());
    }

    @Test
    void normalRunMatchesInProcessRun() throws Exception {
        RunRequest req = addRequest().build();
        RunReply child = client.run(req);
        assertOk(child);
        assertEquals(req.getRequestId(), child.getRequestId());
        assertEquals("2.20.0", child.getRuntimeVersion());
        assertEquals(5, child.getTimingsNsCount());
        assertTrue(child.getTimingsNsList().stream().allMatch(t -> t > 0));
        assertNotEquals(ProcessHandle.current().pid(), child.getRunnerPid());
        assertArrayEquals(new byte[] {3, -2, 127, -128}, child.getOutputs(0).toByteArray());
        assertEquals(2, child.getInputTensorsCount());
        assertEquals("INT8", child.getInputTensors(0).getType());
        assertEquals(Arrays.asList(1, 4), child.getInputTensors(0).getShapeList());

        RunReply local = SegmentExecutor.execute(req);
        assertOk(local);
        assertEquals(local.getOutputsList(), child.getOutputsList());
        assertEquals(local.getInputTensorsList(), child.getInputTensorsList());
        assertEquals(local.getOutputTensorsList(), child.getOutputTensorsList());
    }

    @Test
    void seededRandomInputsAreDeterministicAcrossProcesses() throws Exception {
        byte[][] w = {{1, 2, 3, 4}, {-1, 0, 1, 0}};
        RunRequest req = RunRequest.newBuilder()
                .setRequestId(client.nextRequestId())
                .setModelBytes(ByteString.copyFrom(TinyModels.fullyConnected(w, new int[] {0, 0})))
                .setRandomSeed(42)
                .setTimedRuns(3)
                .setReturnOutputs(true)
                .build();
        RunReply child = client.run(req);
        assertOk(child);
        RunReply local = SegmentExecutor.execute(req);
        assertOk(local);
        assertEquals(local.getOutputsList(), child.getOutputsList());
        assertEquals(2, child.getOutputs(0).size());
    }

    @Test
    void corruptModelIsLoadError() throws Exception {
        byte[] valid = TinyModels.add(4);
        RunReply reply = client.run(addRequest()
                .setModelBytes(ByteString.copyFrom(Arrays.copyOf(valid, valid.length - 40)))
                .build());
        assertTrue(reply.hasError());
        assertEquals(ErrorKind.ERROR_KIND_LOAD, reply.getError().getKind());
        assertTrue(
                reply.getError().getMessage().contains("invalid TFLite model"),
                reply.getError().getMessage());
    }

    @Test
    void wrongInputSizeIsBadInput() throws Exception {
        RunReply reply = client.run(addRequest()
                .setInputs(1, InputData.newBuilder().setData(ByteString.copyFrom(new byte[7])))
                .build());
        assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, reply.getError().getKind());
        assertTrue(
                reply.getError().getMessage().contains("needs 4 bytes, got 7"),
                reply.getError().getMessage());

        reply = client.run(addRequest()
                .clearInputs()
                .addInputs(InputData.newBuilder().setRandomSeed(1))
                .build());
        assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, reply.getError().getKind());
    }

    @Test
    void abortIsCrashAndNextRequestRestartsTheRunner() throws Exception {
        assertOk(client.run(addRequest().build()));
        long pidBefore = client.pid().orElseThrow();
        int startsBefore = client.starts();

        RunReply crash =
                client.run(addRequest().setTestHook(TestHook.TEST_HOOK_ABORT).build());
        assertTrue(crash.hasError());
        assertEquals(
                ErrorKind.ERROR_KIND_CRASH,
                crash.getError().getKind(),
                crash.getError().getMessage());
        assertEquals(6, crash.getError().getSignal(), crash.getError().toString());
        assertTrue(
                crash.getError().getMessage().contains("SIGABRT"),
                crash.getError().getMessage());
        assertTrue(
                crash.getError().getStderrTail().contains("TEST_HOOK_ABORT"),
                crash.getError().getStderrTail());

        RunReply after = client.run(addRequest().build());
        assertOk(after);
        assertArrayEquals(new byte[] {3, -2, 127, -128}, after.getOutputs(0).toByteArray());
        assertNotEquals(pidBefore, after.getRunnerPid());
        assertEquals(startsBefore + 1, client.starts());
    }

    @Test
    void segfaultIsCrash() throws Exception {
        RunReply crash =
                client.run(addRequest().setTestHook(TestHook.TEST_HOOK_SEGFAULT).build());
        assertEquals(
                ErrorKind.ERROR_KIND_CRASH,
                crash.getError().getKind(),
                crash.getError().toString());
        assertTrue(crash.getError().getSignal() != 0 || crash.getError().getExitCode() != 0);
        assertTrue(
                crash.getError().getMessage().contains("SIGSEGV"),
                crash.getError().getMessage());
        assertOk(client.run(addRequest().build()));
    }

    @Test
    void hangIsTimeoutAndRunnerIsKilledAndRestarted() throws Exception {
        assertOk(client.run(addRequest().build()));
        long pid = client.pid().orElseThrow();
        long t0 = System.nanoTime();
        RunReply hang = client.run(addRequest()
                .setTestHook(TestHook.TEST_HOOK_HANG)
                .setTimeoutMs(1500)
                .build());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(
                ErrorKind.ERROR_KIND_TIMEOUT,
                hang.getError().getKind(),
                hang.getError().toString());
        assertTrue(ms >= 1500 && ms < 15_000, "took " + ms + " ms");
        assertTrue(
                hang.getError().getMessage().contains("1500 ms"),
                hang.getError().getMessage());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "hung runner still alive");

        RunReply after = client.run(addRequest().build());
        assertOk(after);
        assertNotEquals(pid, after.getRunnerPid());
    }

    @Test
    void testHooksAreRefusedWithoutTheProperty() throws Exception {
        try (RunnerClient plain =
                new RunnerClient(RunnerConfig.builder().name("plain").build())) {
            RunReply reply =
                    plain.run(addRequest().setTestHook(TestHook.TEST_HOOK_ABORT).build());
            assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, reply.getError().getKind());
            assertTrue(reply.getError().getMessage().contains("test hooks are disabled"));
            assertEquals(1, plain.starts());
            assertOk(plain.run(addRequest().build()));
            assertEquals(1, plain.starts(), "same child served both requests");
        }
    }

    @Test
    void megabyteModelAndOutputsCrossThePipes() throws Exception {
        int units = 1024;
        int depth = 1024;
        byte[][] w = new byte[units][depth];
        for (int j = 0; j < units; j++) w[j][j % depth] = 1; // identity-like: y[j] = x[j % depth]
        byte[] x = new byte[depth];
        for (int i = 0; i < depth; i++) x[i] = (byte) (i * 7);
        RunRequest req = RunRequest.newBuilder()
                .setRequestId(client.nextRequestId())
                .setModelBytes(ByteString.copyFrom(TinyModels.fullyConnected(w, new int[units])))
                .addInputs(InputData.newBuilder().setData(ByteString.copyFrom(x)))
                .setTimedRuns(3)
                .setThreads(2)
                .setReturnOutputs(true)
                .build();
        assertTrue(req.getModelBytes().size() > 1_000_000);
        RunReply reply = client.run(req);
        assertOk(reply);
        byte[] y = reply.getOutputs(0).toByteArray();
        for (int j = 0; j < units; j++) assertEquals(x[j % depth], y[j], "y[" + j + "]");
    }

    @Test
    void modelPathIsReadByTheChild(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("add.tflite");
        Files.write(file, TinyModels.add(4));
        RunReply reply = client.run(addRequest().setModelPath(file.toString()).build());
        assertOk(reply);
        assertArrayEquals(new byte[] {3, -2, 127, -128}, reply.getOutputs(0).toByteArray());
    }

    @Test
    void adaptiveSamplingAndBudget() {
        // in-process: the sampling loop is plain Java around invoke
        RunReply r = SegmentExecutor.execute(addRequest()
                .setTimedRuns(3)
                .setTargetRelError(1e-12)
                .setMaxRuns(40)
                .build());
        assertOk(r);
        assertEquals(40, r.getTimingsNsCount(), "an unreachable target runs up to max_runs");
        r = SegmentExecutor.execute(addRequest()
                .setTimedRuns(4)
                .setTargetRelError(10)
                .setMaxRuns(40)
                .build());
        assertEquals(4, r.getTimingsNsCount(), "an easy target stops at timed_runs");
        r = SegmentExecutor.execute(addRequest()
                .setTimedRuns(1)
                .setTargetRelError(1e-12)
                .setBudgetMs(50)
                .build());
        assertOk(r);
        assertTrue(r.getTimingsNsCount() >= 1);
        assertTrue(r.getTimingsNsCount() < 10_000_000);
    }

    @Test
    void unknownRuntimeIsUnavailable() throws Exception {
        RunReply reply = client.run(addRequest().setRuntime("edgetpu-usb").build());
        assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, reply.getError().getKind());
    }

    @Test
    void startFailureIsUnavailable() throws Exception {
        try (RunnerClient broken = new RunnerClient(RunnerConfig.builder()
                .name("broken")
                .javaCommand("/nonexistent/bin/java")
                .build())) {
            RunReply reply = broken.run(addRequest().build());
            assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, reply.getError().getKind());
        }
        try (RunnerClient badCp = new RunnerClient(RunnerConfig.builder()
                .name("badcp")
                .classpath("/nonexistent.jar")
                .startTimeout(Duration.ofSeconds(20))
                .build())) {
            RunReply reply = badCp.run(addRequest().build());
            assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, reply.getError().getKind());
            assertTrue(
                    reply.getError().getMessage().contains("RunnerMain"),
                    reply.getError().getMessage());
        }
    }
}
