package io.pipefarm.agent.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.pipefarm.agent.tflite.TinyModels;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.runner.InputData;
import io.pipefarm.proto.runner.RunReply;
import io.pipefarm.proto.runner.RunRequest;
import io.pipefarm.proto.runner.TestHook;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A device that disappears mid-run (its runner process killed from outside) fails that job with CRASH. */
class RunnerKilledTest {

    @Test
    void runnerKilledMidRunIsACrashAndTheNextJobRuns() throws Exception {
        try (RunnerClient client = new RunnerClient(RunnerConfig.builder()
                .name("killed")
                .enableTestHooks()
                .defaultJobTimeout(Duration.ofSeconds(60))
                .build())) {
            RunRequest.Builder add = RunRequest.newBuilder()
                    .setModelBytes(ByteString.copyFrom(TinyModels.add(4)))
                    .addInputs(InputData.newBuilder().setData(ByteString.copyFrom(new byte[] {1, 2, 3, 4})))
                    .addInputs(InputData.newBuilder().setData(ByteString.copyFrom(new byte[] {1, 1, 1, 1})))
                    .setWarmupRuns(1)
                    .setTimedRuns(3)
                    .setThreads(1)
                    .setTimeoutMs(30_000);
            assertFalse(
                    client.run(add.setRequestId(client.nextRequestId()).build()).hasError());
            long pid = client.pid().orElseThrow();
            // A job that would run for a long time, and the device's process vanishes under it.
            CompletableFuture<RunReply> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.run(add.setRequestId(client.nextRequestId())
                            .setTestHook(TestHook.TEST_HOOK_HANG)
                            .build());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
            RunReply reply = running.get(20, TimeUnit.SECONDS);
            assertEquals(
                    ErrorKind.ERROR_KIND_CRASH,
                    reply.getError().getKind(),
                    reply.getError().toString());
            RunReply after = client.run(add.setRequestId(client.nextRequestId())
                    .setTestHook(TestHook.TEST_HOOK_NONE)
                    .build());
            assertFalse(after.hasError(), after.getError().toString());
        }
    }
}
