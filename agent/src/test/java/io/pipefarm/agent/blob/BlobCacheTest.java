package io.pipefarm.agent.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blob fetches over HTTP: verified by hash, cached, retried when a connection drops. */
class BlobCacheTest {
    static final byte[] BYTES = "segment bytes".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    HttpServer server;
    final AtomicInteger requests = new AtomicInteger();

    static String key(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A blob server whose first {@code drops} requests lose their connection without an answer. */
    String serve(int drops, byte[] body) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/blobs/", ex -> {
            if (requests.incrementAndGet() <= drops) {
                ex.close();
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/blobs/";
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    @Test
    void aDroppedConnectionIsRetriedAndTheBlobCached() throws Exception {
        // Two drops outlast the JDK client's own single retry of a GET, so the cache's retry is what
        // gets the blob through.
        String url = serve(2, BYTES) + key(BYTES);
        BlobCache cache = new BlobCache(dir);
        assertArrayEquals(BYTES, cache.get(key(BYTES), url));
        assertEquals(3, requests.get(), "two dropped requests, one answered");
        assertArrayEquals(BYTES, cache.get(key(BYTES), url));
        assertEquals(3, requests.get(), "the second read comes from the disk cache");
    }

    @Test
    void aServerThatNeverAnswersFailsAfterItsTries() throws Exception {
        String url = serve(Integer.MAX_VALUE, BYTES) + key(BYTES);
        BlobCache.BlobException e =
                assertThrows(BlobCache.BlobException.class, () -> new BlobCache(dir).get(key(BYTES), url));
        assertFalse(e.badContent());
        assertTrue(e.getMessage().contains("after 3 tries"), e.getMessage());
        assertTrue(requests.get() >= 3, requests.get() + " requests");
    }

    @Test
    void bytesThatDoNotMatchTheirKeyAreRefused() throws Exception {
        byte[] other = "other bytes".getBytes(StandardCharsets.UTF_8);
        String url = serve(0, other) + key(BYTES);
        BlobCache.BlobException e =
                assertThrows(BlobCache.BlobException.class, () -> new BlobCache(dir).get(key(BYTES), url));
        assertTrue(e.badContent());
    }
}
