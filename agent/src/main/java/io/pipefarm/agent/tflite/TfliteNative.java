package io.pipefarm.agent.tflite;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.Structure;

/**
 * Direct JNA mapping of the TensorFlow Lite C API ({@code tensorflow/lite/core/c/c_api.h}).
 *
 * <p>Nothing here is bound until {@link TfliteRuntime#load()} has located the library and called
 * {@link #bind(NativeLibrary)}; use the owners {@link TfliteModel} / {@link TfliteInterpreter}
 * instead of calling these functions directly. {@code size_t} is mapped to {@code long}: only LP64
 * platforms (linux x86_64 / arm64) are supported, which {@link TfliteRuntime} checks.
 */
public final class TfliteNative {
    private TfliteNative() {}

    /** {@code TfLiteStatus} kTfLiteOk. */
    public static final int STATUS_OK = 0;

    static void bind(NativeLibrary library) {
        Native.register(TfliteNative.class, library);
    }

    // ---- typed opaque handles --------------------------------------------------------------

    /** {@code TfLiteModel*}. */
    public static final class TfLiteModel extends PointerType {
        public TfLiteModel() {}

        public TfLiteModel(Pointer p) {
            super(p);
        }
    }

    /** {@code TfLiteInterpreterOptions*}. */
    public static final class TfLiteInterpreterOptions extends PointerType {
        public TfLiteInterpreterOptions() {}

        public TfLiteInterpreterOptions(Pointer p) {
            super(p);
        }
    }

    /** {@code TfLiteInterpreter*}. */
    public static final class TfLiteInterpreter extends PointerType {
        public TfLiteInterpreter() {}

        public TfLiteInterpreter(Pointer p) {
            super(p);
        }
    }

    /** {@code TfLiteTensor*} (owned by its interpreter). */
    public static final class TfLiteTensor extends PointerType {
        public TfLiteTensor() {}

        public TfLiteTensor(Pointer p) {
            super(p);
        }
    }

    /** {@code TfLiteQuantizationParams} returned by value: {@code {float scale; int32_t zero_point;}}. */
    @Structure.FieldOrder({"scale", "zero_point"})
    public static class TfLiteQuantizationParams extends Structure implements Structure.ByValue {
        public float scale;
        public int zero_point;
    }

    /** {@code void (*reporter)(void* user_data, const char* format, va_list args)}. */
    public interface ErrorReporterCallback extends Callback {
        void invoke(Pointer userData, String format, Pointer vaList);
    }

    // ---- functions ---------------------------------------------------------------------------

    public static native String TfLiteVersion();

    public static native TfLiteModel TfLiteModelCreate(Pointer modelData, long modelSize);

    public static native TfLiteModel TfLiteModelCreateWithErrorReporter(
            Pointer modelData, long modelSize, ErrorReporterCallback reporter, Pointer userData);

    public static native void TfLiteModelDelete(TfLiteModel model);

    public static native TfLiteInterpreterOptions TfLiteInterpreterOptionsCreate();

    public static native void TfLiteInterpreterOptionsDelete(TfLiteInterpreterOptions options);

    public static native void TfLiteInterpreterOptionsSetNumThreads(TfLiteInterpreterOptions options, int numThreads);

    public static native void TfLiteInterpreterOptionsAddDelegate(TfLiteInterpreterOptions options, Pointer delegate);

    public static native void TfLiteInterpreterOptionsSetErrorReporter(
            TfLiteInterpreterOptions options, ErrorReporterCallback reporter, Pointer userData);

    public static native TfLiteInterpreter TfLiteInterpreterCreate(TfLiteModel model, TfLiteInterpreterOptions options);

    public static native void TfLiteInterpreterDelete(TfLiteInterpreter interpreter);

    public static native int TfLiteInterpreterAllocateTensors(TfLiteInterpreter interpreter);

    public static native int TfLiteInterpreterInvoke(TfLiteInterpreter interpreter);

    public static native int TfLiteInterpreterGetInputTensorCount(TfLiteInterpreter interpreter);

    public static native TfLiteTensor TfLiteInterpreterGetInputTensor(TfLiteInterpreter interpreter, int index);

    public static native int TfLiteInterpreterGetOutputTensorCount(TfLiteInterpreter interpreter);

    public static native TfLiteTensor TfLiteInterpreterGetOutputTensor(TfLiteInterpreter interpreter, int index);

    public static native int TfLiteTensorType(TfLiteTensor tensor);

    public static native int TfLiteTensorNumDims(TfLiteTensor tensor);

    public static native int TfLiteTensorDim(TfLiteTensor tensor, int dimIndex);

    public static native long TfLiteTensorByteSize(TfLiteTensor tensor);

    public static native Pointer TfLiteTensorData(TfLiteTensor tensor);

    public static native String TfLiteTensorName(TfLiteTensor tensor);

    public static native TfLiteQuantizationParams TfLiteTensorQuantizationParams(TfLiteTensor tensor);

    public static native int TfLiteTensorCopyFromBuffer(TfLiteTensor tensor, byte[] inputData, long inputDataSize);

    public static native int TfLiteTensorCopyToBuffer(TfLiteTensor tensor, byte[] outputData, long outputDataSize);
}
