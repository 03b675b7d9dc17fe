package io.pipefarm.agent.tflite;

import com.sun.jna.Pointer;
import io.pipefarm.agent.tflite.TfliteNative.TfLiteInterpreter;
import io.pipefarm.agent.tflite.TfliteNative.TfLiteInterpreterOptions;
import io.pipefarm.agent.tflite.TfliteNative.TfLiteQuantizationParams;
import io.pipefarm.agent.tflite.TfliteNative.TfLiteTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A TFLite interpreter with its tensors allocated.
 *
 * <p><b>Threading:</b> one interpreter per thread. The thread that creates it owns it; every method
 * (including {@link #close()}) throws {@link IllegalStateException} on any other thread. Use one
 * interpreter per worker thread (a model can be shared: {@link #create(TfliteModel, Options)}).
 *
 * <p><b>Lifetime:</b> {@link #close()} frees the interpreter, then its options, then (if it owns it)
 * the model and the model bytes. Delegates added through {@link Options#addDelegate(Pointer)} are not
 * owned: free them after closing the interpreter.
 */
public final class TfliteInterpreter implements AutoCloseable {
    /** Interpreter settings. */
    public static final class Options {
        private int threads = -1;
        private final List<Pointer> delegates = new ArrayList<>();

        /** Interpreter threads; a value {@code <= 0} leaves TFLite's default. */
        public Options threads(int threads) {
            this.threads = threads <= 0 ? -1 : threads;
            return this;
        }

        /** Adds a {@code TfLiteDelegate*} (e.g. an Edge TPU delegate); the caller keeps ownership. */
        public Options addDelegate(Pointer delegate) {
            delegates.add(Objects.requireNonNull(delegate, "delegate"));
            return this;
        }
    }

    private final Thread owner;
    private final TfliteModel model;
    private final boolean ownsModel;
    private final ErrorCapture errors;
    private TfLiteInterpreterOptions options;
    private TfLiteInterpreter handle;
    private final TfLiteTensor[] inputTensors;
    private final TfLiteTensor[] outputTensors;
    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;

    private TfliteInterpreter(
            TfliteModel model,
            boolean ownsModel,
            ErrorCapture errors,
            TfLiteInterpreterOptions options,
            TfLiteInterpreter handle) {
        this.owner = Thread.currentThread();
        this.model = model;
        this.ownsModel = ownsModel;
        this.errors = errors;
        this.options = options;
        this.handle = handle;
        int nIn = TfliteNative.TfLiteInterpreterGetInputTensorCount(handle);
        int nOut = TfliteNative.TfLiteInterpreterGetOutputTensorCount(handle);
        this.inputTensors = new TfLiteTensor[nIn];
        this.outputTensors = new TfLiteTensor[nOut];
        for (int i = 0; i < nIn; i++) inputTensors[i] = TfliteNative.TfLiteInterpreterGetInputTensor(handle, i);
        for (int i = 0; i < nOut; i++) outputTensors[i] = TfliteNative.TfLiteInterpreterGetOutputTensor(handle, i);
        this.inputs = describe(inputTensors);
        this.outputs = describe(outputTensors);
    }

    /** Loads {@code modelBytes} and creates an interpreter that owns the model. */
    public static TfliteInterpreter create(byte[] modelBytes, int threads) {
        return create(modelBytes, new Options().threads(threads));
    }

    /** Loads {@code modelBytes} and creates an interpreter that owns the model. */
    public static TfliteInterpreter create(byte[] modelBytes, Options options) {
        TfliteModel model = TfliteModel.fromBytes(modelBytes);
        try {
            return create(model, options, true);
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** Creates an interpreter over a shared model; the model must stay open while this is open. */
    public static TfliteInterpreter create(TfliteModel model, Options options) {
        return create(model, options, false);
    }

    private static TfliteInterpreter create(TfliteModel model, Options opts, boolean ownsModel) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(opts, "options");
        ErrorCapture errors = new ErrorCapture();
        TfLiteInterpreterOptions options = TfliteNative.TfLiteInterpreterOptionsCreate();
        if (options == null || options.getPointer() == null) {
            throw new TfliteException(TfliteException.Kind.LOAD, "TfLiteInterpreterOptionsCreate failed");
        }
        TfLiteInterpreter handle = null;
        boolean ok = false;
        model.retain();
        try {
            TfliteNative.TfLiteInterpreterOptionsSetNumThreads(options, opts.threads);
            TfliteNative.TfLiteInterpreterOptionsSetErrorReporter(options, errors, null);
            for (Pointer d : opts.delegates) TfliteNative.TfLiteInterpreterOptionsAddDelegate(options, d);
            handle = TfliteNative.TfLiteInterpreterCreate(model.handle(), options);
            if (handle == null || handle.getPointer() == null) {
                String base = "cannot create TFLite interpreter (unsupported op or bad model?)";
                String fromModel = model.errors().drain();
                throw new TfliteException(
                        TfliteException.Kind.LOAD,
                        errors.describe(fromModel.isEmpty() ? base : base + ": " + fromModel));
            }
            int status = TfliteNative.TfLiteInterpreterAllocateTensors(handle);
            if (status != TfliteNative.STATUS_OK) {
                throw new TfliteException(
                        TfliteException.Kind.LOAD,
                        errors.describe("TfLiteInterpreterAllocateTensors failed (status " + status + ")"));
            }
            TfliteInterpreter interp = new TfliteInterpreter(model, ownsModel, errors, options, handle);
            ok = true;
            return interp;
        } finally {
            if (!ok) {
                if (handle != null && handle.getPointer() != null) TfliteNative.TfLiteInterpreterDelete(handle);
                TfliteNative.TfLiteInterpreterOptionsDelete(options);
                model.release();
            }
        }
    }

    private static List<TensorInfo> describe(TfLiteTensor[] tensors) {
        List<TensorInfo> out = new ArrayList<>(tensors.length);
        for (int i = 0; i < tensors.length; i++) {
            TfLiteTensor t = tensors[i];
            int nd = TfliteNative.TfLiteTensorNumDims(t);
            List<Integer> shape = new ArrayList<>(Math.max(nd, 0));
            for (int d = 0; d < nd; d++) shape.add(TfliteNative.TfLiteTensorDim(t, d));
            TfLiteQuantizationParams q = TfliteNative.TfLiteTensorQuantizationParams(t);
            out.add(new TensorInfo(
                    i,
                    TfliteNative.TfLiteTensorName(t),
                    TensorType.fromCode(TfliteNative.TfLiteTensorType(t)),
                    shape,
                    TfliteNative.TfLiteTensorByteSize(t),
                    q.scale,
                    q.zero_point));
        }
        return List.copyOf(out);
    }

    private void check() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("TfliteInterpreter is owned by thread '" + owner.getName()
                    + "' and must not be used from '" + Thread.currentThread().getName() + "'");
        }
        if (handle == null) throw new IllegalStateException("TfliteInterpreter is closed");
    }

    /** Input tensor descriptors, in the model's input order. */
    public List<TensorInfo> inputs() {
        check();
        return inputs;
    }

    /** Output tensor descriptors, in the model's output order, as allocated. */
    public List<TensorInfo> outputs() {
        check();
        return outputs;
    }

    /**
     * Copies {@code data} into input {@code index}.
     *
     * @throws TfliteException BAD_INPUT if the index is out of range or the length is not the
     *                         tensor's byte size
     */
    public void setInput(int index, byte[] data) {
        check();
        Objects.requireNonNull(data, "data");
        if (index < 0 || index >= inputTensors.length) {
            throw new TfliteException(
                    TfliteException.Kind.BAD_INPUT,
                    "input index " + index + " out of range: the model has " + inputTensors.length + " input(s)");
        }
        TensorInfo info = inputs.get(index);
        if (data.length != info.byteSize()) {
            throw new TfliteException(
                    TfliteException.Kind.BAD_INPUT,
                    "input " + index + " ('" + info.name() + "', " + info.type() + " " + info.shape() + ") needs "
                            + info.byteSize() + " bytes, got " + data.length);
        }
        int status = TfliteNative.TfLiteTensorCopyFromBuffer(
                TfliteNative.TfLiteInterpreterGetInputTensor(handle, index), data, data.length);
        if (status != TfliteNative.STATUS_OK) {
            throw new TfliteException(
                    TfliteException.Kind.BAD_INPUT,
                    errors.describe(
                            "TfLiteTensorCopyFromBuffer failed for input " + index + " (status " + status + ")"));
        }
    }

    /** Runs the model once. @throws TfliteException RUN with TFLite's error text */
    public void invoke() {
        check();
        int status = TfliteNative.TfLiteInterpreterInvoke(handle);
        if (status != TfliteNative.STATUS_OK) {
            throw new TfliteException(
                    TfliteException.Kind.RUN,
                    errors.describe("TfLiteInterpreterInvoke failed (status " + status + ")"));
        }
    }

    /**
     * {@link #invoke()} timed with {@link System#nanoTime()} around the native call only.
     *
     * @return elapsed nanoseconds
     */
    public long invokeTimed() {
        check();
        long t0 = System.nanoTime();
        int status = TfliteNative.TfLiteInterpreterInvoke(handle);
        long t1 = System.nanoTime();
        if (status != TfliteNative.STATUS_OK) {
            throw new TfliteException(
                    TfliteException.Kind.RUN,
                    errors.describe("TfLiteInterpreterInvoke failed (status " + status + ")"));
        }
        return t1 - t0;
    }

    /** A copy of output {@code index}'s bytes. */
    public byte[] output(int index) {
        check();
        if (index < 0 || index >= outputTensors.length) {
            throw new TfliteException(
                    TfliteException.Kind.BAD_INPUT,
                    "output index " + index + " out of range: the model has " + outputTensors.length + " output(s)");
        }
        // Fetch the handle afresh: Invoke may reallocate tensors, leaving cached handles dangling.
        TfLiteTensor tensor = TfliteNative.TfLiteInterpreterGetOutputTensor(handle, index);
        long size = TfliteNative.TfLiteTensorByteSize(tensor);
        if (size > Integer.MAX_VALUE - 8) {
            throw new TfliteException(TfliteException.Kind.RUN, "output " + index + " too large: " + size + " bytes");
        }
        byte[] out = new byte[(int) size];
        int status = TfliteNative.TfLiteTensorCopyToBuffer(tensor, out, size);
        if (status != TfliteNative.STATUS_OK) {
            throw new TfliteException(
                    TfliteException.Kind.RUN,
                    errors.describe(
                            "TfLiteTensorCopyToBuffer failed for output " + index + " (status " + status + ")"));
        }
        return out;
    }

    /** The thread that owns this interpreter. */
    public Thread owner() {
        return owner;
    }

    public boolean isClosed() {
        return handle == null;
    }

    /** Frees interpreter, options, then the owned model and its bytes. Idempotent; owner thread only. */
    @Override
    public void close() {
        if (handle == null) return;
        check();
        TfliteNative.TfLiteInterpreterDelete(handle);
        handle = null;
        TfliteNative.TfLiteInterpreterOptionsDelete(options);
        options = null;
        model.release();
        if (ownsModel) model.close();
    }
}
