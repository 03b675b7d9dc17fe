package io.pipefarm.agent.tflite;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libc functions the agent calls directly (direct-mapped through JNA).
 *
 * <p>{@code vsnprintf} formats TFLite's error-reporter messages ({@code va_list} is passed as a
 * pointer on both x86_64 and aarch64), {@code dup}/{@code dup2}/{@code write} let the runner child
 * keep its protocol stream away from native code that writes to fd 1, and {@code abort} is used by
 * the runner's test hooks.
 */
public final class LibC {
    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {}

    public static native int vsnprintf(byte[] buf, long size, String format, Pointer vaList);

    public static native int dup(int fd);

    public static native int dup2(int oldFd, int newFd);

    public static native long write(int fd, byte[] buf, long count);

    public static native int close(int fd);

    public static native void abort();

    public static native int getpid();
}
