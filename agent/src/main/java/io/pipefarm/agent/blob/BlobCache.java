package io.pipefarm.agent.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Segment blobs by key, fetched over HTTP and kept on disk. A blob is only ever used after its
 * SHA-256 matched its key, so a corrupt download or a tampered cache file is refetched, never run.
 */
public final class BlobCache {
    private static final int FETCH_ATTEMPTS = 3;
    private static final long FETCH_BACKOFF_MS = 250;

    private final Path dir;
    private final HttpClient http;
    private final String token;

    public BlobCache(Path dir) {
        this(dir, "");
    }

    /** @param token bearer token the blob server requires, or "" for none */
    public BlobCache(Path dir, String token) {
        this.dir = dir;
        this.token = token == null ? "" : token;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create blob cache directory " + dir, e);
        }
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Thrown when a blob cannot be had: unreachable server, unknown key, or a hash mismatch. */
    public static final class BlobException extends Exception {
        private final boolean badContent;

        public BlobException(String message, boolean badContent) {
            super(message);
            this.badContent = badContent;
        }

        /** True when bytes arrived but did not match their key. */
        public boolean badContent() {
            return badContent;
        }
    }

    /** The verified bytes of blob {@code key}, from the cache or from {@code url}. */
    public byte[] get(String key, String url) throws BlobException {
        if (!key.matches("[0-9a-f]{64}")) throw new BlobException("not a segment key: '" + key + "'", true);
        Path file = dir.resolve(key.substring(0, 2)).resolve(key + ".tflite");
        if (Files.isRegularFile(file)) {
            try {
                byte[] b = Files.readAllBytes(file);
                if (sha256(b).equals(key)) return b;
                Files.deleteIfExists(file); // corrupt cache entry: fetch again
            } catch (IOException e) {
                // fall through to a fresh download
            }
        }
        byte[] bytes = fetch(key, url);
        String got = sha256(bytes);
        if (!got.equals(key)) {
            throw new BlobException(
                    "blob " + key + " from " + url + " has SHA-256 " + got + " (" + bytes.length + " bytes)", true);
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), key, ".part");
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // The cache is an optimisation; a full disk must not fail the job.
        }
        return bytes;
    }

    private byte[] fetch(String key, String url) throws BlobException {
        IOException last = null;
        for (int attempt = 1; attempt <= FETCH_ATTEMPTS; attempt++) {
            try {
                return fetchOnce(url);
            } catch (IOException e) {
                // A pooled keep-alive connection to a coordinator that just restarted fails once, and
                // a new coordinator may be a moment away: retry before the job pays an attempt for it.
                last = e;
                try {
                    Thread.sleep(FETCH_BACKOFF_MS * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new BlobException("interrupted while fetching blob " + key, false);
                }
            } catch (IllegalArgumentException e) {
                throw new BlobException("cannot fetch blob " + key + " from " + url + ": " + e.getMessage(), false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BlobException("interrupted while fetching blob " + key, false);
            }
        }
        String why = last.getMessage() == null ? last.getClass().getSimpleName() : last.getMessage();
        throw new BlobException(
                "cannot fetch blob " + key + " from " + url + " after " + FETCH_ATTEMPTS + " tries: " + why, false);
    }

    private byte[] fetchOnce(String url) throws IOException, InterruptedException, BlobException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .GET();
        if (!token.isEmpty()) rb.header("Authorization", "Bearer " + token);
        HttpResponse<InputStream> resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
            byte[] body = in.readAllBytes();
            if (resp.statusCode() != 200) {
                throw new BlobException(
                        "GET " + url + " answered " + resp.statusCode() + ": "
                                + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8),
                        false);
            }
            return body;
        }
    }

    /** {@code bytes} if their SHA-256 is {@code key} (a blob that came inline with its job). */
    public static byte[] verified(String key, byte[] bytes) throws BlobException {
        String got = sha256(bytes);
        if (!got.equals(key))
            throw new BlobException(
                    "inline blob for " + key + " has SHA-256 " + got + " (" + bytes.length + " bytes)", true);
        return bytes;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
