package io.pipefarm.cli.partition;

import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.remote.FarmClient;
import io.pipefarm.coordinator.api.ApiError;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.PartitionSearchRequest;
import io.pipefarm.coordinator.api.PartitionSummary;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.proto.partition.PartitionDescriptor;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Partition searches through a coordinator's {@code /api/partitions} (JSON through {@link FarmClient}, bytes here). */
final class PartitionRemote {
    private final FarmClient client;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    PartitionRemote(String url, Duration timeout) {
        this.token = System.getenv(FarmClient.TOKEN_ENV);
        this.client = new FarmClient(url, token, timeout);
    }

    String url() {
        return client.url();
    }

    /** True when a coordinator answers {@code /api/health} at {@code url} (a refused connection fails at once; a busy coordinator gets 5 s). */
    static boolean reachable(String url) {
        try {
            HttpClient h = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            HttpResponse<Void> r = h.send(
                    HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/api/health"))
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    PartitionSummary start(String model, int tpus, String method, String kind) {
        return client.post(
                "/api/partitions", new PartitionSearchRequest(model, tpus, method, kind), PartitionSummary.class);
    }

    PartitionSummary status(long id) {
        return client.get("/api/partitions/" + id, PartitionSummary.class);
    }

    /** Polls until the search is no longer running; {@code progress} gets each status. */
    PartitionSummary await(long id, Duration timeout, Consumer<PartitionSummary> progress) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            PartitionSummary s = status(id);
            if (!"running".equals(s.state())) return s;
            progress.accept(s);
            if (System.nanoTime() > deadline) {
                throw new CliException(
                        CliException.FAILURE,
                        "partition " + id + " still running after " + timeout.toSeconds()
                                + " s; fetch it later with `pipefarm partition fetch " + id + " --out DIR`");
            }
            Thread.sleep(200);
        }
    }

    /** Writes segments (Coral's names), partition.json (the descriptor's JSON twin), partition.pb and stages.svg; returns the files. */
    List<Path> fetch(long id, Path dir) throws IOException, InterruptedException {
        byte[] pb = bytes("/api/partitions/" + id + "/descriptor", "application/x-protobuf");
        PartitionDescriptor d = PartitionDescriptor.parseFrom(pb);
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (var s : d.getStagesList()) {
            byte[] seg = bytes("/api/partitions/" + id + "/segments/" + s.getIndex(), "application/octet-stream");
            String file = s.getFile().isEmpty()
                    ? Descriptors.segmentFileName(d.getModel(), s.getIndex(), d.getStagesCount())
                    : s.getFile();
            Path f = dir.resolve(file);
            Files.write(f, seg);
            files.add(f);
        }
        Path json = dir.resolve("partition.json");
        Files.writeString(json, Descriptors.json(d) + "\n");
        files.add(json);
        Path pbf = dir.resolve("partition.pb");
        Files.write(pbf, pb);
        files.add(pbf);
        Path svg = dir.resolve("stages.svg");
        Files.write(svg, bytes("/api/partitions/" + id + "/chart.svg", "image/svg+xml"));
        files.add(svg);
        return files;
    }

    private byte[] bytes(String path, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(client.url() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Accept", accept)
                .GET();
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token.trim());
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new CliException(CliException.FAILURE, "no coordinator at " + client.url());
        }
        if (r.statusCode() / 100 != 2) {
            String msg = new String(r.body(), StandardCharsets.UTF_8);
            try {
                ApiError e = ApiJson.read(msg, ApiError.class);
                if (e.error() != null) msg = e.error().message();
            } catch (IOException ignored) {
                // not JSON: keep the body
            }
            int code = r.statusCode() / 100 == 4 ? CliException.USAGE : CliException.FAILURE;
            throw new CliException(code, msg + " (HTTP " + r.statusCode() + " from " + path + ")");
        }
        return r.body();
    }
}
