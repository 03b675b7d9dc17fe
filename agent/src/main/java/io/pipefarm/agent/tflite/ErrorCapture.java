package io.pipefarm.agent.tflite;

import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;

/**
 * TFLite error reporter that formats messages with libc {@code vsnprintf} and keeps them, so they
 * can go into exception messages. A reference to an instance must be held as long as native code may
 * call it (JNA callbacks are otherwise garbage collected).
 */
final class ErrorCapture implements TfliteNative.ErrorReporterCallback {
    private static final int MAX_MESSAGE = 4096;
    private static final int MAX_KEPT = 16 * 1024;

    private final StringBuilder text = new StringBuilder();

    @Override
    public void invoke(Pointer userData, String format, Pointer vaList) {
        try {
            // A va_list may be consumed only once: format into a fixed buffer, truncate if longer.
            byte[] buf = new byte[MAX_MESSAGE];
            int n = LibC.vsnprintf(buf, buf.length, format == null ? "" : format, vaList);
            String msg = n < 0
                    ? String.valueOf(format)
                    : new String(buf, 0, Math.min(n, buf.length - 1), StandardCharsets.UTF_8);
            synchronized (text) {
                if (text.length() < MAX_KEPT) {
                    if (text.length() > 0) text.append('\n');
                    text.append(msg.strip());
                }
            }
        } catch (Throwable t) {
            // never let an exception unwind into native code
        }
    }

    /** Text reported so far, and clears it. */
    String drain() {
        synchronized (text) {
            String s = text.toString();
            text.setLength(0);
            return s;
        }
    }

    /** {@code base}, plus ": " and the captured TFLite text if any (the capture is cleared). */
    String describe(String base) {
        String captured = drain();
        return captured.isEmpty() ? base : base + ": " + captured;
    }
}
