package io.pipefarm.agent.tflite;

import com.sun.jna.Memory;
import io.pipefarm.agent.tflite.TfliteNative.TfLiteModel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loaded (verified) TFLite flatbuffer. {@code TfLiteModelCreate} does not copy the bytes, so they
 * live in native {@link Memory} owned by this object until {@link #close()}.
 *
 * <p>A model may back interpreters on several threads (TFLite models are read-only); it must not be
 * closed before them (enforced).
 */
public final class TfliteModel implements AutoCloseable {
    private final Memory data;
    private final ErrorCapture errors;
    private volatile TfLiteModel handle;
    private final AtomicInteger openInterpreters = new AtomicInteger();

    private TfliteModel(Memory data, ErrorCapture errors, TfLiteModel handle) {
        this.data = data;
        this.errors = errors;
        this.handle = handle;
    }

    /**
     * Verifies and loads {@code modelBytes}.
     *
     * @throws TfliteException LOAD if TFLite rejects the bytes (message includes TFLite's reason),
     *                         UNAVAILABLE if the runtime cannot be loaded
     */
    public static TfliteModel fromBytes(byte[] modelBytes) {
        Objects.requireNonNull(modelBytes, "modelBytes");
        TfliteRuntime.load();
        if (modelBytes.length == 0) {
            throw new TfliteException(TfliteException.Kind.LOAD, "invalid TFLite model: 0 bytes");
        }
        Memory mem = new Memory(modelBytes.length);
        mem.write(0, modelBytes, 0, modelBytes.length);
        ErrorCapture errors = new ErrorCapture();
        TfLiteModel h = TfliteNative.TfLiteModelCreateWithErrorReporter(mem, modelBytes.length, errors, null);
        if (h == null || h.getPointer() == null) {
            mem.close();
            throw new TfliteException(
                    TfliteException.Kind.LOAD,
                    errors.describe(
                            "invalid TFLite model (" + modelBytes.length + " bytes): TfLiteModelCreate rejected it"));
        }
        return new TfliteModel(mem, errors, h);
    }

    /** Size of the flatbuffer in bytes. */
    public long size() {
        return data.size();
    }

    TfLiteModel handle() {
        if (handle == null) throw new IllegalStateException("TfliteModel is closed");
        return handle;
    }

    ErrorCapture errors() {
        return errors;
    }

    synchronized void retain() {
        handle();
        openInterpreters.incrementAndGet();
    }

    void release() {
        openInterpreters.decrementAndGet();
    }

    public boolean isClosed() {
        return handle == null;
    }

    /** Frees the model, then its bytes. @throws IllegalStateException while interpreters use it */
    @Override
    public synchronized void close() {
        if (handle == null) return;
        int open = openInterpreters.get();
        if (open > 0) {
            throw new IllegalStateException("TfliteModel still used by " + open + " interpreter(s)");
        }
        TfliteNative.TfLiteModelDelete(handle);
        handle = null;
        data.close();
    }
}
