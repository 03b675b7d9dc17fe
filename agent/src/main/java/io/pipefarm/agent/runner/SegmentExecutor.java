package io.pipefarm.agent.runner;

import com.google.protobuf.ByteString;
import io.pipefarm.agent.edgetpu.EdgeTpuDelegates;
import io.pipefarm.agent.tflite.TensorInfo;
import io.pipefarm.agent.tflite.TfliteException;
import io.pipefarm.agent.tflite.TfliteInterpreter;
import io.pipefarm.agent.tflite.TfliteRuntime;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.runner.InputData;
import io.pipefarm.proto.runner.RunError;
import io.pipefarm.proto.runner.RunReply;
import io.pipefarm.proto.runner.RunRequest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Executes one {@link RunRequest} in the current process and describes the outcome as a
 * {@link RunReply} (never throws for model or input problems). The runner child calls this; tests
 * call it in-process to compare. Native crashes are not caught here; that is the child's purpose.
 */
public final class SegmentExecutor {
    /**
     * Runtime names accepted in {@link RunRequest#getRuntime()}: "" or this, and the Edge TPU's
     * {@code edgetpu[:TYPE:PATH[?options]]} ({@link EdgeTpuDelegates}).
     */
    public static final String RUNTIME_TFLITE_CPU = "tflite-cpu";

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private SegmentExecutor() {}

    public static RunReply execute(RunRequest req) {
        RunReply.Builder reply = RunReply.newBuilder()
                .setRequestId(req.getRequestId())
                .setRunnerPid(ProcessHandle.current().pid());
        String runtime = req.getRuntime();
        boolean edgetpu = EdgeTpuDelegates.isEdgeTpuRuntime(runtime);
        if (!runtime.isEmpty() && !runtime.equals(RUNTIME_TFLITE_CPU) && !edgetpu) {
            return fail(
                    reply,
                    ErrorKind.ERROR_KIND_UNAVAILABLE,
                    "runtime '" + runtime + "' is not available in this runner");
        }
        byte[] model;
        switch (req.getModelCase()) {
            case MODEL_BYTES:
                model = req.getModelBytes().toByteArray();
                break;
            case MODEL_PATH:
                try {
                    model = Files.readAllBytes(Paths.get(req.getModelPath()));
                } catch (IOException | RuntimeException e) {
                    return fail(
                            reply,
                            ErrorKind.ERROR_KIND_LOAD,
                            "cannot read model file " + req.getModelPath() + ": " + e);
                }
                break;
            default:
                return fail(reply, ErrorKind.ERROR_KIND_BAD_INPUT, "request has no model");
        }
        try {
            reply.setRuntimeVersion(TfliteRuntime.load());
            long t0 = System.nanoTime();
            TfliteInterpreter.Options options = new TfliteInterpreter.Options().threads(req.getThreads());
            if (edgetpu)
                options.addDelegate(EdgeTpuDelegates.delegateFor(runtime)); // one per device, kept by the child
            try (TfliteInterpreter interp = TfliteInterpreter.create(model, options)) {
                reply.setLoadNs(System.nanoTime() - t0);
                List<TensorInfo> inputs = interp.inputs();
                inputs.forEach(t -> reply.addInputTensors(toProto(t)));
                interp.outputs().forEach(t -> reply.addOutputTensors(toProto(t)));
                if (req.getInputsCount() != 0 && req.getInputsCount() != inputs.size()) {
                    return fail(
                            reply,
                            ErrorKind.ERROR_KIND_BAD_INPUT,
                            "the model has " + inputs.size() + " input(s) but the request gives "
                                    + req.getInputsCount());
                }
                for (int i = 0; i < inputs.size(); i++) {
                    interp.setInput(i, inputBytes(req, i, inputs.get(i)));
                }
                for (int r = 0; r < req.getWarmupRuns(); r++) interp.invoke();
                timedRuns(interp, req, reply);
                if (req.getReturnOutputs()) {
                    if (req.getWarmupRuns() == 0 && req.getTimedRuns() == 0) interp.invoke();
                    for (int o = 0; o < interp.outputs().size(); o++) {
                        reply.addOutputs(ByteString.copyFrom(interp.output(o)));
                    }
                }
            }
            return reply.build();
        } catch (TfliteException e) {
            return fail(reply, kind(e.kind()), e.getMessage());
        } catch (OutOfMemoryError e) {
            return fail(reply, ErrorKind.ERROR_KIND_LOAD, "out of Java memory: " + e.getMessage());
        }
    }

    /**
     * Timed phase: timed_runs samples, then adaptive sampling to target_rel_error, then until min_timed_ns of timed
     * runs, within budget_ms; each run's wall time and the calling thread's CPU time.
     */
    private static void timedRuns(TfliteInterpreter interp, RunRequest req, RunReply.Builder reply) {
        long budgetEnd = req.getBudgetMs() > 0 ? System.nanoTime() + req.getBudgetMs() * 1_000_000L : Long.MAX_VALUE;
        double target = req.getTargetRelError();
        long max = req.getMaxRuns() > 0 ? req.getMaxRuns() : Long.MAX_VALUE;
        long n = 0;
        long sum = 0;
        double mean = 0;
        double m2 = 0;
        while (true) {
            boolean more = n < req.getTimedRuns();
            if (!more && target > 0 && n < max) {
                more = n < 2 || mean <= 0 || Math.sqrt(m2 / (n - 1)) / Math.sqrt(n) / mean > target;
            }
            if (!more && n < max) more = sum < req.getMinTimedNs();
            if (!more || (n > 0 && System.nanoTime() >= budgetEnd)) break;
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t = interp.invokeTimed();
            long c1 = THREADS.getCurrentThreadCpuTime();
            reply.addTimingsNs(t);
            reply.addThreadCpuNs(c1 - c0);
            sum += t;
            n++;
            double d = t - mean;
            mean += d / n;
            m2 += d * (t - mean);
        }
    }

    /** Input {@code i}: the request's bytes, or deterministic bytes from a seed. */
    static byte[] inputBytes(RunRequest req, int i, TensorInfo info) {
        long size = info.byteSize();
        if (size > Integer.MAX_VALUE - 8) {
            throw new TfliteException(TfliteException.Kind.BAD_INPUT, "input " + i + " too large: " + size);
        }
        long seed;
        if (req.getInputsCount() == 0) {
            seed = req.getRandomSeed() + i;
        } else {
            InputData d = req.getInputs(i);
            if (d.getSourceCase() == InputData.SourceCase.DATA)
                return d.getData().toByteArray();
            seed = d.getSourceCase() == InputData.SourceCase.RANDOM_SEED ? d.getRandomSeed() : req.getRandomSeed() + i;
        }
        byte[] b = new byte[(int) size];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int k = 0; k < b.length; k++) b[k] = (byte) rnd.nextInt(256);
        return b;
    }

    static io.pipefarm.proto.runner.TensorInfo toProto(TensorInfo t) {
        return io.pipefarm.proto.runner.TensorInfo.newBuilder()
                .setName(t.name())
                .setType(t.type().name())
                .addAllShape(t.shape())
                .setByteSize(t.byteSize())
                .setScale(t.scale())
                .setZeroPoint(t.zeroPoint())
                .build();
    }

    static ErrorKind kind(TfliteException.Kind k) {
        switch (k) {
            case UNAVAILABLE:
                return ErrorKind.ERROR_KIND_UNAVAILABLE;
            case LOAD:
                return ErrorKind.ERROR_KIND_LOAD;
            case RUN:
                return ErrorKind.ERROR_KIND_RUN;
            case BAD_INPUT:
                return ErrorKind.ERROR_KIND_BAD_INPUT;
            default:
                return ErrorKind.ERROR_KIND_RUN;
        }
    }

    static RunReply fail(RunReply.Builder reply, ErrorKind kind, String message) {
        return reply.clearTimingsNs()
                .clearThreadCpuNs()
                .clearOutputs()
                .setError(RunError.newBuilder().setKind(kind).setMessage(message == null ? "" : message))
                .build();
    }
}
