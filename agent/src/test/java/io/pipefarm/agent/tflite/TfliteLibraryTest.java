package io.pipefarm.agent.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfliteLibraryTest {

    @Test
    void extractsOnceIntoContentAddressedCache(@TempDir Path cache) throws Exception {
        URL url = getClass()
                .getClassLoader()
                .getResource("org/bytedeco/tensorflowlite/linux-x86_64/" + TfliteLibrary.LIB_NAME);
        Path a = TfliteLibrary.extract(url, cache);
        long mtime = Files.getLastModifiedTime(a).toMillis();
        Path b = TfliteLibrary.extract(url, cache);
        assertEquals(a, b);
        assertEquals(mtime, Files.getLastModifiedTime(b).toMillis());
        assertTrue(a.startsWith(cache) && a.getFileName().toString().equals(TfliteLibrary.LIB_NAME));
        try (var files = Files.list(a.getParent())) {
            assertEquals(1, files.count(), "no temp files left");
        }
    }

    @Test
    void configuredLibraryTakesPrecedence() {
        String old = System.getProperty(TfliteLibrary.PROPERTY);
        try {
            System.setProperty(TfliteLibrary.PROPERTY, "/nonexistent/libtensorflowlite_c.so");
            TfliteException e = assertThrows(TfliteException.class, TfliteLibrary::locate);
            assertEquals(TfliteException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("/nonexistent/libtensorflowlite_c.so"), e.getMessage());
        } finally {
            restore(TfliteLibrary.PROPERTY, old);
        }
    }

    @Test
    void arm64MapsToItsClassifierAndSaysWhatIsMissing() {
        String old = System.getProperty("os.arch");
        try {
            System.setProperty("os.arch", "aarch64");
            assertEquals("linux-arm64", TfliteLibrary.platform());
            TfliteException e = assertThrows(TfliteException.class, TfliteLibrary::locate);
            assertEquals(TfliteException.Kind.UNAVAILABLE, e.kind());
            assertTrue(
                    e.getMessage().contains("org.bytedeco:tensorflow-lite:2.20.0-1.5.13:linux-arm64"), e.getMessage());
            System.setProperty("os.arch", "amd64");
            assertEquals("linux-x86_64", TfliteLibrary.platform());
        } finally {
            restore("os.arch", old);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }
}
