package io.pipefarm.cli.predictor;

import com.fasterxml.jackson.core.type.TypeReference;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.command.ParentCommand;
import io.pipefarm.cli.remote.CampaignView;
import io.pipefarm.cli.remote.FarmClient;
import io.pipefarm.cli.remote.FarmException;
import io.pipefarm.cli.remote.RemoteOptions;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.api.ApiError;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.PredictorEvaluation;
import io.pipefarm.coordinator.api.PredictorMetrics;
import io.pipefarm.coordinator.api.PredictorVersion;
import io.pipefarm.coordinator.api.TrainPredictorRequest;
import io.pipefarm.coordinator.api.TrainingJob;
import io.pipefarm.coordinator.api.TrainingOutcome;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pipefarm predictor train|list|fetch|eval}: latency predictors trained by the coordinator. */
@Command(
        name = "predictor",
        mixinStandardHelpOptions = true,
        description = "Latency predictors the coordinator trains from stored profiles: train, list, fetch, eval.",
        subcommands = {
            PredictorCommand.Train.class,
            PredictorCommand.ListCmd.class,
            PredictorCommand.Fetch.class,
            PredictorCommand.Eval.class
        })
public final class PredictorCommand extends ParentCommand {

    /** {@code pipefarm predictor train}. */
    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            description =
                    "Train a predictor of a device kind from its stored profiles (on the coordinator); the new version "
                            + "serves only if it beats the serving one on the same held-out architectures.")
    public static final class Train extends BaseCommand {
        @Mixin
        RemoteOptions remote;

        @Option(names = "--kind", paramLabel = "K", required = true, description = "device kind, e.g. sim-edgetpu-usb")
        String kind;

        @Option(names = "--wait", description = "wait until the training finished and show its result")
        boolean await;

        @Option(
                names = "--wait-timeout",
                paramLabel = "SECONDS",
                defaultValue = "3600",
                description = "give up waiting after this long (default ${DEFAULT-VALUE})")
        int waitTimeout;

        @Override
        protected int run() throws InterruptedException {
            FarmClient c = remote.client();
            TrainingJob job = c.post("/api/predictors/train", new TrainPredictorRequest(kind, null), TrainingJob.class);
            if (await) {
                long deadline = System.nanoTime() + waitTimeout * 1_000_000_000L;
                long t0 = System.nanoTime();
                int dots = 0;
                while (!job.finished()) {
                    if (System.nanoTime() > deadline) {
                        throw new CliException(
                                CliException.FAILURE,
                                "training job " + job.id() + " of " + kind + " still " + job.state() + " after "
                                        + waitTimeout + " s");
                    }
                    if (!json) {
                        err().printf(
                                        "\rtraining %s: %s %ds",
                                        kind, job.state(), (System.nanoTime() - t0) / 1_000_000_000L);
                        err().flush();
                        dots++;
                    }
                    Thread.sleep(500);
                    job = c.get("/api/predictors/jobs/" + job.id(), TrainingJob.class);
                }
                if (!json && dots > 0) err().println();
            }
            if (json) {
                printJson(job);
            } else {
                printJob(job);
            }
            if (job.error() != null)
                return job.error().kind() == ApiError.Kind.PREDICTOR_FAILED ? CliException.FAILURE : CliException.USAGE;
            return 0;
        }

        private void printJob(TrainingJob job) {
            switch (job.state()) {
                case "done" -> {
                    TrainingOutcome r = job.result();
                    out().printf(
                                    "trained %s predictor %s v%d (id %d): %s%n",
                                    r.kind(), r.family(), r.version(), r.id(), metricsLine(r.metrics()));
                    if (r.servingMetrics() != null) {
                        out().printf(
                                        "serving version on the same held-out architectures: %s%n",
                                        metricsLine(r.servingMetrics()));
                    }
                    out().printf("%s: %s%n", r.promoted() ? "promoted" : "not promoted", r.reason());
                }
                case "failed" ->
                    out().printf(
                                    "training of %s failed (%s): %s%n",
                                    job.kind(),
                                    job.error() == null
                                            ? "?"
                                            : job.error().kind().id(),
                                    job.error() == null ? "" : job.error().message());
                default ->
                    out().printf(
                                    "training job %d of %s is %s; follow it with `pipefarm predictor train --kind %s --wait` "
                                            + "or `pipefarm predictor list --kind %s`%n",
                                    job.id(), kind, job.state(), kind, kind);
            }
        }
    }

    /** {@code pipefarm predictor list}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List stored predictor versions, newest first.")
    public static final class ListCmd extends BaseCommand {
        @Mixin
        RemoteOptions remote;

        @Option(names = "--kind", paramLabel = "K", description = "only this device kind")
        String kind;

        @Override
        protected int run() {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("kind", kind);
            List<PredictorVersion> list = remote.client()
                    .get("/api/predictors" + FarmClient.query(q), new TypeReference<List<PredictorVersion>>() {});
            if (json) {
                printJson(list);
                return 0;
            }
            if (list.isEmpty()) {
                out().println("no predictors" + (kind == null ? " yet" : " of kind " + kind)
                        + "; train one with `pipefarm predictor train --kind K`");
                return 0;
            }
            Table t = new Table(
                    "id",
                    "kind",
                    "version",
                    "family",
                    "serving",
                    "profiles",
                    "archs",
                    "held-out MAPE %",
                    "acc10 %",
                    "spearman",
                    "created");
            for (PredictorVersion v : list) {
                Map<String, Object> m = v.metrics(), d = v.data();
                t.row(
                        v.id(),
                        v.kind(),
                        v.version(),
                        v.family(),
                        v.serving() ? "yes" : "",
                        d.getOrDefault("profiles", "-"),
                        d.getOrDefault("architectures", "-"),
                        num(m.get("mape"), 1, 2),
                        num(m.get("acc10"), 100, 1),
                        num(m.get("spearman"), 1, 4),
                        CampaignView.time(v.createdEpochMs()));
            }
            t.print(out());
            return 0;
        }
    }

    /** {@code pipefarm predictor fetch}. */
    @Command(
            name = "fetch",
            mixinStandardHelpOptions = true,
            description =
                    "Download a predictor artifact (a zip that loads and predicts on its own; see docs/predictor-artifact.md).")
    public static final class Fetch extends BaseCommand {
        /** {@code --json} output: the file written and the version's metadata. */
        record Fetched(String file, long bytes, PredictorVersion predictor) {}

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "ID", description = "predictor id (see `pipefarm predictor list`)")
        long id;

        @Option(names = "--out", paramLabel = "FILE.zip", required = true, description = "where to write the artifact")
        Path outFile;

        @Override
        protected int run() throws IOException {
            FarmClient c = remote.client();
            PredictorVersion meta = c.get("/api/predictors/" + id, PredictorVersion.class);
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
                printJson(new Fetched(outFile.toString(), bytes.length, meta));
            } else {
                out().printf(
                                "wrote %s (%s): %s predictor %s v%d%n",
                                outFile, Table.bytes(bytes.length), meta.kind(), meta.family(), meta.version());
            }
            return 0;
        }
    }

    /** {@code pipefarm predictor eval}. */
    @Command(
            name = "eval",
            mixinStandardHelpOptions = true,
            description =
                    "Metrics of a predictor on the current profiles of its kind, overall and per model family of architectures.")
    public static final class Eval extends BaseCommand {
        @Mixin
        RemoteOptions remote;

        @Option(names = "--kind", paramLabel = "K", description = "evaluate the serving predictor of this kind")
        String kind;

        @Option(names = "--id", paramLabel = "ID", description = "evaluate this stored version instead")
        Long id;

        @Override
        protected int run() {
            if ((kind == null) == (id == null)) throw CliException.usage("give exactly one of --kind K or --id ID");
            FarmClient c = remote.client();
            PredictorEvaluation r = id != null
                    ? c.post("/api/predictors/" + id + "/eval", null, PredictorEvaluation.class)
                    : c.get("/api/predictors/eval" + FarmClient.query(Map.of("kind", kind)), PredictorEvaluation.class);
            if (json) {
                printJson(r);
                return 0;
            }
            out().printf(
                            "%s predictor %s v%d (id %d%s)%n",
                            r.kind(), r.family(), r.version(), r.id(), r.serving() ? ", serving" : "");
            Table t = new Table("data", "family", "segments", "MAPE %", "RMSE ms", "acc10 %", "spearman");
            section(t, "held-out archs", r.heldOut());
            section(t, "all data", r.all());
            t.print(out());
            out().println("(\"all data\" includes the architectures the predictor was trained on)");
            return 0;
        }

        private static void section(Table t, String label, PredictorEvaluation.Section s) {
            if (s == null) return;
            row(t, label, "(all)", s.metrics());
            s.perFamily().forEach((family, m) -> row(t, label, family, m));
        }

        private static void row(Table t, String label, String family, PredictorMetrics m) {
            if (m == null) return;
            t.row(
                    label,
                    family,
                    m.n(),
                    num(m.mape(), 1, 2),
                    num(m.rmseNs(), 1e-6, 3),
                    num(m.acc10(), 100, 1),
                    num(m.spearman(), 1, 4));
        }
    }

    static String metricsLine(PredictorMetrics m) {
        return "held-out MAPE " + num(m.mape(), 1, 2) + "%, acc10 " + num(m.acc10(), 100, 1) + "%, spearman "
                + num(m.spearman(), 1, 4) + " (" + m.n() + " segments)";
    }

    /** A number scaled and fixed, "-" when it is none (null, NaN or not a number). */
    static String num(Object v, double scale, int decimals) {
        if (!(v instanceof Number x) || Double.isNaN(x.doubleValue())) return "-";
        return Table.fixed(x.doubleValue() * scale, decimals);
    }

    /** GET of a binary resource with the client's URL and token (FarmClient speaks JSON only). */
    static byte[] bytes(FarmClient c, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url() + path))
                .timeout(Duration.ofMinutes(5))
                .GET();
        String token = System.getenv(FarmClient.TOKEN_ENV);
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token.trim());
        try {
            HttpResponse<byte[]> r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()
                    .send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 200) return r.body();
            String msg = new String(r.body(), StandardCharsets.UTF_8);
            String kind = null;
            try {
                ApiError e = ApiJson.read(msg, ApiError.class);
                if (e.error() != null) {
                    msg = e.error().message();
                    kind = e.error().kind().id();
                }
            } catch (IOException ignored) {
                // not JSON: show the text
            }
            throw new FarmException(
                    r.statusCode() < 500 ? CliException.USAGE : CliException.FAILURE, msg, r.statusCode(), kind, null);
        } catch (IOException e) {
            throw new FarmException(
                    CliException.FAILURE,
                    "downloading " + path + " from " + c.url() + " failed: " + e.getMessage(),
                    0,
                    null,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarmException(CliException.FAILURE, "interrupted", 0, null, e);
        }
    }
}
