package io.pipefarm.agent.runner;

import com.sun.jna.Pointer;
import io.pipefarm.agent.edgetpu.EdgeTpuDelegates;
import io.pipefarm.agent.tflite.LibC;
import io.pipefarm.agent.tflite.TfliteException;
import io.pipefarm.agent.tflite.TfliteRuntime;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.runner.RunReply;
import io.pipefarm.proto.runner.RunRequest;
import io.pipefarm.proto.runner.RunnerCommand;
import io.pipefarm.proto.runner.RunnerEvent;
import io.pipefarm.proto.runner.RunnerHello;
import io.pipefarm.proto.runner.TestHook;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * Entry point of the runner child process ({@code java -cp ... io.pipefarm.agent.runner.RunnerMain}).
 *
 * <p>Reads length-delimited {@link RunnerCommand}s from stdin, answers each run with one
 * {@link RunnerEvent} reply on the protocol stream, and exits on shutdown or EOF. Before anything
 * else, the original stdout is duplicated to a private descriptor used only for the protocol and fd 1
 * is pointed at stderr, so that nothing native code or Java code prints can corrupt the protocol.
 *
 * <p>Test hooks ({@link TestHook}) work only with {@code -D}{@value #TEST_HOOKS_PROPERTY}{@code =true}.
 */
public final class RunnerMain {
    public static final String TEST_HOOKS_PROPERTY = "pipefarm.runner.testHooks";

    private RunnerMain() {}

    public static void main(String[] args) {
        PrintStream log = System.err;
        OutputStream protocolOut = protocolStream(log);
        System.setOut(log);
        boolean hooks = Boolean.getBoolean(TEST_HOOKS_PROPERTY);
        long pid = ProcessHandle.current().pid();
        int exit = 0;
        try (OutputStream out = protocolOut;
                InputStream in = new BufferedInputStream(System.in, 1 << 16)) {
            RunnerHello.Builder hello = RunnerHello.newBuilder().setPid(pid);
            try {
                hello.setRuntimeVersion(TfliteRuntime.load());
                hello.setNativeLibrary(String.valueOf(TfliteRuntime.libraryPath()));
            } catch (TfliteException e) {
                hello.setRuntimeError(e.getMessage());
                log.println("pipefarm runner " + pid + ": TFLite unavailable: " + e.getMessage());
            }
            send(out, RunnerEvent.newBuilder().setHello(hello).build());
            log.println("pipefarm runner " + pid + " ready" + (hooks ? " (test hooks enabled)" : ""));
            while (true) {
                RunnerCommand cmd = RunnerCommand.parseDelimitedFrom(in);
                if (cmd == null || cmd.hasShutdown()) break;
                if (!cmd.hasRun()) continue;
                RunRequest req = cmd.getRun();
                RunReply reply;
                if (req.getTestHook() != TestHook.TEST_HOOK_NONE && req.getTestHook() != TestHook.UNRECOGNIZED) {
                    if (!hooks) {
                        reply = SegmentExecutor.fail(
                                RunReply.newBuilder()
                                        .setRequestId(req.getRequestId())
                                        .setRunnerPid(pid),
                                ErrorKind.ERROR_KIND_BAD_INPUT,
                                "test hooks are disabled (set -D" + TEST_HOOKS_PROPERTY + "=true on the runner)");
                        send(out, RunnerEvent.newBuilder().setReply(reply).build());
                        continue;
                    }
                    runTestHook(req.getTestHook(), log);
                }
                reply = SegmentExecutor.execute(req);
                send(out, RunnerEvent.newBuilder().setReply(reply).build());
            }
        } catch (IOException e) {
            log.println("pipefarm runner " + pid + ": protocol stream failed: " + e);
            exit = 3;
        } catch (Throwable t) {
            log.println("pipefarm runner " + pid + ": fatal: " + t);
            t.printStackTrace(log);
            exit = 4;
        }
        try {
            EdgeTpuDelegates.closeAll(); // after the last interpreter is gone
        } catch (Throwable t) {
            log.println("pipefarm runner " + pid + ": freeing Edge TPU delegates failed: " + t);
        }
        log.flush();
        System.exit(exit);
    }

    private static void send(OutputStream out, RunnerEvent event) throws IOException {
        event.writeDelimitedTo(out);
        out.flush();
    }

    private static void runTestHook(TestHook hook, PrintStream log) {
        log.println("pipefarm runner: test hook " + hook);
        log.flush();
        switch (hook) {
            case TEST_HOOK_ABORT:
                LibC.abort();
                break;
            case TEST_HOOK_SEGFAULT:
                new Pointer(0L).getInt(0);
                break;
            case TEST_HOOK_HANG:
                while (true) {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException ignored) {
                        // keep hanging
                    }
                }
            default:
                break;
        }
    }

    /**
     * The stream the protocol is written to: a duplicate of fd 1, with fd 1 then redirected to fd 2.
     * Falls back to plain {@code System.out} (still with Java's System.out redirected) if that fails.
     */
    private static OutputStream protocolStream(PrintStream log) {
        try {
            int fd = LibC.dup(1);
            if (fd >= 0 && LibC.dup2(2, 1) >= 0) {
                return new BufferedOutputStream(new FdOutputStream(fd), 1 << 16);
            }
            log.println("pipefarm runner: dup/dup2 failed; native writes to stdout could corrupt the protocol");
        } catch (Throwable t) {
            log.println("pipefarm runner: cannot isolate stdout (" + t + ")");
        }
        return new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    }

    /** Writes to a raw file descriptor through libc {@code write}. */
    static final class FdOutputStream extends OutputStream {
        private final int fd;
        private boolean closed;

        FdOutputStream(int fd) {
            this.fd = fd;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) throw new IOException("closed");
            byte[] chunk = off == 0 ? b : Arrays.copyOfRange(b, off, off + len);
            int done = 0;
            while (done < len) {
                byte[] rest = done == 0 ? chunk : Arrays.copyOfRange(chunk, done, len);
                long n = LibC.write(fd, rest, len - done);
                if (n < 0) throw new IOException("write to protocol fd " + fd + " failed (parent gone?)");
                done += (int) n;
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                LibC.close(fd);
            }
        }
    }
}
