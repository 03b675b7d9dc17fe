package io.pipefarm.agent.tflite;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Finds the native library that exports the TFLite C API.
 *
 * <ol>
 *   <li>System property {@value #PROPERTY} or environment variable {@value #ENV}: path of a system
 *       {@code libtensorflowlite_c.so} (or any library exporting the C API). Taken as is.</li>
 *   <li>Otherwise the bundled {@code libjnitensorflowlite.so} from the
 *       {@code org.bytedeco:tensorflow-lite:<version>:<platform>} jar on the classpath, resource
 *       {@code org/bytedeco/tensorflowlite/<platform>/libjnitensorflowlite.so}, where platform is
 *       {@code linux-x86_64} or {@code linux-arm64} by {@code os.arch}. It is extracted once into
 *       {@code <cache>/<sha256 prefix>/} and loaded by absolute path; cache is
 *       {@code -Dpipefarm.native.cache}, else {@code $XDG_CACHE_HOME/pipefarm/native}, else
 *       {@code ~/.cache/pipefarm/native}. That library only needs libstdc++, libm, libgcc_s and libc
 *       (checked with readelf -d for 2.20.0-1.5.13), so nothing else is extracted.</li>
 * </ol>
 */
public final class TfliteLibrary {
    public static final String PROPERTY = "pipefarm.tflite.library";
    public static final String ENV = "PIPEFARM_TFLITE_LIBRARY";
    public static final String CACHE_PROPERTY = "pipefarm.native.cache";
    static final String LIB_NAME = "libjnitensorflowlite.so";

    private TfliteLibrary() {}

    /** Where the library comes from, for messages. */
    public record Located(Path path, String source) {}

    /** Locates (and if needed extracts) the library. @throws TfliteException UNAVAILABLE */
    public static Located locate() {
        String configured = System.getProperty(PROPERTY);
        String source = "system property " + PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
            source = "environment variable " + ENV;
        }
        if (configured != null && !configured.isBlank()) {
            Path p = Paths.get(configured.trim()).toAbsolutePath();
            if (!Files.isReadable(p)) {
                throw new TfliteException(
                        TfliteException.Kind.UNAVAILABLE,
                        "TFLite library configured by " + source + " does not exist or is not readable: " + p);
            }
            return new Located(p, source);
        }
        String platform = platform();
        String resource = "org/bytedeco/tensorflowlite/" + platform + "/" + LIB_NAME;
        URL url = TfliteLibrary.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new TfliteException(
                    TfliteException.Kind.UNAVAILABLE,
                    "TFLite native library for " + platform + " not found on the classpath (resource " + resource
                            + "): add the Maven artifact org.bytedeco:tensorflow-lite:2.20.0-1.5.13:" + platform
                            + ", or set -D" + PROPERTY + " / " + ENV + " to a libtensorflowlite_c.so");
        }
        try {
            return new Located(extract(url, cacheDir()), "classpath resource " + resource);
        } catch (IOException e) {
            throw new TfliteException(
                    TfliteException.Kind.UNAVAILABLE, "cannot extract " + resource + " to " + cacheDir() + ": " + e, e);
        }
    }

    /** {@code linux-x86_64} or {@code linux-arm64}. @throws TfliteException UNAVAILABLE elsewhere */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new TfliteException(
                    TfliteException.Kind.UNAVAILABLE,
                    "no bundled TFLite library for OS '" + os + "'; set " + PROPERTY + " / " + ENV);
        }
        switch (arch) {
            case "amd64":
            case "x86_64":
                return "linux-x86_64";
            case "aarch64":
            case "arm64":
                return "linux-arm64";
            default:
                throw new TfliteException(
                        TfliteException.Kind.UNAVAILABLE,
                        "no bundled TFLite library for arch '" + arch + "'; set " + PROPERTY + " / " + ENV);
        }
    }

    static Path cacheDir() {
        String p = System.getProperty(CACHE_PROPERTY);
        if (p != null && !p.isBlank()) return Paths.get(p);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Paths.get(xdg, "pipefarm", "native");
        return Paths.get(System.getProperty("user.home"), ".cache", "pipefarm", "native");
    }

    /** Content-addressed extraction; safe against concurrent extractors (temp file + atomic move). */
    static Path extract(URL url, Path cacheRoot) throws IOException {
        MessageDigest sha = sha256();
        long size = 0;
        try (InputStream in = url.openStream()) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                size += n;
            }
        }
        String digest = HexFormat.of().formatHex(sha.digest());
        Path dir = cacheRoot.resolve(digest.substring(0, 16));
        Path target = dir.resolve(LIB_NAME);
        // The directory is named by content and files only appear there by atomic move, so a file of
        // the right size is the right file.
        if (Files.isRegularFile(target) && Files.size(target) == size) {
            return target;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, LIB_NAME, ".tmp");
        try {
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            if (!digest.equals(sha256Of(tmp))) {
                throw new IOException("resource changed while extracting: " + url);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    private static String sha256Of(Path p) {
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
