package io.pipefarm.agent.tflite;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.nio.file.Path;

/**
 * Process-wide entry point of the TFLite CPU runtime: locates and binds the native library once.
 *
 * <pre>{@code
 * String version = TfliteRuntime.load();          // "2.20.0"
 * try (var interp = TfliteInterpreter.create(modelBytes, 1)) { ... }
 * }</pre>
 *
 * <p>Loading native code into a JVM means a bad model can take that JVM down; the agent therefore
 * uses this only inside the runner child process ({@code io.pipefarm.agent.runner}).
 */
public final class TfliteRuntime {
    private static final Object LOCK = new Object();
    private static volatile String version;
    private static volatile Path libraryPath;
    private static volatile String librarySource;
    private static TfliteException failure;

    private TfliteRuntime() {}

    /**
     * Loads the library if not yet done and returns {@code TfLiteVersion()}, e.g. {@code "2.20.0"}.
     *
     * @throws TfliteException kind UNAVAILABLE when it cannot be loaded (the same failure is rethrown
     *                         on later calls)
     */
    public static String load() {
        String v = version;
        if (v != null) return v;
        synchronized (LOCK) {
            if (version != null) return version;
            if (failure != null) {
                throw new TfliteException(failure.kind(), failure.getMessage(), failure);
            }
            try {
                if (Native.SIZE_T_SIZE != 8 || Native.POINTER_SIZE != 8) {
                    throw new TfliteException(
                            TfliteException.Kind.UNAVAILABLE, "TFLite binding supports 64-bit platforms only");
                }
                TfliteLibrary.Located located = TfliteLibrary.locate();
                NativeLibrary lib;
                try {
                    lib = NativeLibrary.getInstance(located.path().toString());
                    TfliteNative.bind(lib);
                } catch (UnsatisfiedLinkError | IllegalArgumentException e) {
                    throw new TfliteException(
                            TfliteException.Kind.UNAVAILABLE,
                            "cannot load TFLite library " + located.path() + " (from " + located.source() + "): "
                                    + e.getMessage(),
                            e);
                }
                String ver = TfliteNative.TfLiteVersion();
                libraryPath = located.path();
                librarySource = located.source();
                version = ver;
                return ver;
            } catch (TfliteException e) {
                failure = e;
                throw e;
            } catch (RuntimeException | LinkageError e) {
                failure = new TfliteException(TfliteException.Kind.UNAVAILABLE, "cannot load TFLite: " + e, e);
                throw failure;
            }
        }
    }

    /** True if {@link #load()} succeeds. */
    public static boolean isAvailable() {
        try {
            load();
            return true;
        } catch (TfliteException e) {
            return false;
        }
    }

    /** Absolute path of the loaded library, or null before a successful {@link #load()}. */
    public static Path libraryPath() {
        return libraryPath;
    }

    /** Where the loaded library came from (property, env, classpath resource), or null. */
    public static String librarySource() {
        return librarySource;
    }
}
