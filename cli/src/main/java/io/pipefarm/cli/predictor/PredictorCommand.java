package io.pipefarm.cli.predictor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.command.ParentCommand;
import io.pipefarm.cli.remote.FarmClient;
import io.pipefarm.cli.remote.FarmException;
import io.pipefarm.cli.remote.RemoteOptions;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pipefarm predictor train|list|fetch|eval}: latency predictors trained by the coordinator. */
@Command(name = "predictor", mixinStandardHelpOptions = true,
        description = "Latency predictors the coordinator trains from stored profiles: train, list, fetch, eval.",
        subcommands = {PredictorCommand.Train.class, PredictorCommand.ListCmd.class, PredictorCommand.Fetch.class,
            PredictorCommand.Eval.class})
public final class PredictorCommand extends ParentCommand {

    /** {@code pipefarm predictor train}. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train a predictor of a device kind from its stored profiles (on the coordinator); the new version "
                    + "serves only if it beats the serving one on the same held-out architectures.")
    public static final class Train extends BaseCommand {
        @Mixin RemoteOptions remote;

        @Option(names = "--kind", paramLabel = "K", required = true, description = "device kind, e.g. sim-edgetpu-usb")
        String kind;

        @Option(names = "--wait", description = "wait until the training finished and show its result")
        boolean await;

        @Option(names = "--wait-timeout", paramLabel = "SECONDS", defaultValue = "3600",
                description = "give up waiting after this long (default ${DEFAULT-VALUE})")
        int waitTimeout;

        @Override
        protected int run() throws InterruptedException {
            FarmClient c = remote.client();
            ObjectNode body = Json.object().put("kind", kind);
            JsonNode job = c.post("/api/predictors/train", body);
            if (await) {
                long deadline = System.nanoTime() + waitTimeout * 1_000_000_000L;
                long t0 = System.nanoTime();
                int dots = 0;
                while (!finished(job)) {
                    if (System.nanoTime() > deadline) {
                        throw new CliException(CliException.FAILURE, "training job " + job.path("job").asText() + " of " + kind
                                + " still " + job.path("state").asText() + " after " + waitTimeout + " s");
                    }
                    if (!json) {
                        err().printf("\rtraining %s: %s %ds", kind, job.path("state").asText(), (System.nanoTime() - t0) / 1_000_000_000L);
                        err().flush();
                        dots++;
                    }
                    Thread.sleep(500);
                    job = c.get("/api/predictors/jobs/" + job.path("job").asLong());
                }
                if (!json && dots > 0) err().println();
            }
            if (json) {
                printJson(job);
            } else {
                printJob(job);
            }
            if ("failed".equals(job.path("state").asText())) return job.path("error").asText().equals("FAILED") ? CliException.FAILURE : CliException.USAGE;
            return 0;
        }

        private static boolean finished(JsonNode j) {
            String s = j.path("state").asText();
            return s.equals("done") || s.equals("failed");
        }

        private void printJob(JsonNode job) {
            String state = job.path("state").asText();
            switch (state) {
                case "done" -> {
                    JsonNode r = job.path("result");
                    out().printf("trained %s predictor %s v%d (id %d): %s%n", r.path("kind").asText(), r.path("family").asText(),
                            r.path("version").asLong(), r.path("id").asLong(), metricsLine(r.path("metrics")));
                    if (!r.path("servingMetrics").isNull() && !r.path("servingMetrics").isMissingNode()) {
                        out().printf("serving version on the same held-out architectures: %s%n", metricsLine(r.path("servingMetrics")));
                    }
                    out().printf("%s: %s%n", r.path("promoted").asBoolean() ? "promoted" : "not promoted", r.path("reason").asText());
                }
                case "failed" -> out().printf("training of %s failed (%s): %s%n", job.path("kind").asText(), job.path("error").asText(),
                        job.path("message").asText());
                default -> out().printf("training job %d of %s is %s; follow it with `pipefarm predictor train --kind %s --wait` "
                        + "or `pipefarm predictor list --kind %s`%n", job.path("job").asLong(), kind, state, kind, kind);
            }
        }
    }

    /** {@code pipefarm predictor list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List stored predictor versions, newest first.")
    public static final class ListCmd extends BaseCommand {
        @Mixin RemoteOptions remote;

        @Option(names = "--kind", paramLabel = "K", description = "only this device kind")
        String kind;

        @Override
        protected int run() {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("kind", kind);
            JsonNode list = remote.client().get("/api/predictors" + FarmClient.query(q));
            if (json) {
                printJson(list);
                return 0;
            }
            if (list.isEmpty()) {
                out().println("no predictors" + (kind == null ? " yet" : " of kind " + kind)
                        + "; train one with `pipefarm predictor train --kind K`");
                return 0;
            }
            Table t = new Table("id", "kind", "version", "family", "serving", "profiles", "archs", "held-out MAPE %", "acc10 %", "spearman", "created");
            for (JsonNode v : list) {
                JsonNode m = v.path("metrics"), d = v.path("data");
                t.row(v.path("id").asLong(), v.path("kind").asText(), v.path("version").asLong(), v.path("family").asText(),
                        v.path("serving").asBoolean() ? "yes" : "", d.path("profiles").asText("-"), d.path("architectures").asText("-"),
                        num(m, "mape", 1, 2), num(m, "acc10", 100, 1), num(m, "spearman", 1, 4),
                        io.pipefarm.cli.remote.CampaignView.time(v.get("createdMs")));
            }
            t.print(out());
            return 0;
        }
    }

    /** {@code pipefarm predictor fetch}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download a predictor artifact (a zip that loads and predicts on its own; see docs/predictor-artifact.md).")
    public static final class Fetch extends BaseCommand {
        @Mixin RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "ID", description = "predictor id (see `pipefarm predictor list`)")
        long id;

        @Option(names = "--out", paramLabel = "FILE.zip", required = true, description = "where to write the artifact")
        Path outFile;

        @Override
        protected int run() throws IOException {
            FarmClient c = remote.client();
            JsonNode meta = c.get("/api/predictors/" + id);
            byte[] bytes = bytes(c, "/api/predictors/" + id + "/artifact");
            Path parent = outFile.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".predictor-", ".part");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, outFile, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            if (json) {
                ObjectNode o = Json.object();
                o.put("id", id).put("file", outFile.toString()).put("bytes", bytes.length);
                o.set("predictor", meta);
                printJson(o);
            } else {
                out().printf("wrote %s (%s): %s predictor %s v%d%n", outFile, Table.bytes(bytes.length), meta.path("kind").asText(),
                        meta.path("family").asText(), meta.path("version").asLong());
            }
            return 0;
        }
    }

    /** {@code pipefarm predictor eval}. */
    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "Metrics of a predictor on the current profiles of its kind, overall and per model family of architectures.")
    public static final class Eval extends BaseCommand {
        @Mixin RemoteOptions remote;

        @Option(names = "--kind", paramLabel = "K", description = "evaluate the serving predictor of this kind")
        String kind;

        @Option(names = "--id", paramLabel = "ID", description = "evaluate this stored version instead")
        Long id;

        @Override
        protected int run() {
            if ((kind == null) == (id == null)) throw CliException.usage("give exactly one of --kind K or --id ID");
            FarmClient c = remote.client();
            JsonNode r = id != null ? c.post("/api/predictors/" + id + "/eval", null)
                    : c.get("/api/predictors/eval" + FarmClient.query(Map.of("kind", kind)));
            if (json) {
                printJson(r);
                return 0;
            }
            out().printf("%s predictor %s v%d (id %d%s)%n", r.path("kind").asText(), r.path("family").asText(), r.path("version").asLong(),
                    r.path("id").asLong(), r.path("serving").asBoolean() ? ", serving" : "");
            Table t = new Table("data", "family", "segments", "MAPE %", "RMSE ms", "acc10 %", "spearman");
            for (String section : new String[] {"heldOut", "all"}) {
                JsonNode s = r.path(section);
                String label = section.equals("heldOut") ? "held-out archs" : "all data";
                row(t, label, "(all)", s.path("metrics"));
                for (Iterator<Map.Entry<String, JsonNode>> it = s.path("perFamily").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    row(t, label, e.getKey(), e.getValue());
                }
            }
            t.print(out());
            out().println("(\"all data\" includes the architectures the predictor was trained on)");
            return 0;
        }

        private static void row(Table t, String label, String family, JsonNode m) {
            t.row(label, family, m.path("n").asLong(), num(m, "mape", 1, 2), num(m, "rmse_ns", 1e-6, 3), num(m, "acc10", 100, 1),
                    num(m, "spearman", 1, 4));
        }
    }

    static String metricsLine(JsonNode m) {
        return "held-out MAPE " + num(m, "mape", 1, 2) + "%, acc10 " + num(m, "acc10", 100, 1) + "%, spearman "
                + num(m, "spearman", 1, 4) + " (" + m.path("n").asLong() + " segments)";
    }

    static String num(JsonNode m, String field, double scale, int decimals) {
        JsonNode v = m.get(field);
        if (v == null || !v.isNumber()) return "-";
        return Table.fixed(v.asDouble() * scale, decimals);
    }

    /** GET of a binary resource with the client's URL and token (FarmClient speaks JSON only). */
    static byte[] bytes(FarmClient c, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url() + path)).timeout(Duration.ofMinutes(5)).GET();
        String token = System.getenv(FarmClient.TOKEN_ENV);
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token.trim());
        try {
            HttpResponse<byte[]> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 200) return r.body();
            String msg = new String(r.body(), StandardCharsets.UTF_8);
            try {
                JsonNode j = Json.MAPPER.readTree(msg);
                if (j.hasNonNull("message")) msg = j.get("message").asText();
            } catch (IOException ignored) {
                // not JSON: show the text
            }
            throw new FarmException(r.statusCode() < 500 ? CliException.USAGE : CliException.FAILURE, msg, r.statusCode(), null, null);
        } catch (IOException e) {
            throw new FarmException(CliException.FAILURE, "downloading " + path + " from " + c.url() + " failed: " + e.getMessage(), 0, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarmException(CliException.FAILURE, "interrupted", 0, null, e);
        }
    }
}
