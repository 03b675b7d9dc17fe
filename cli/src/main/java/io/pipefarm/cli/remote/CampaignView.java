package io.pipefarm.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipefarm.cli.ui.ProgressBar;
import io.pipefarm.cli.ui.Table;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Text views of campaign status JSON ({@code {id, name, state, total, counts: {queued, leased, done,
 * failed, cancelled}, doneRatePerSec, etaSeconds, skippedProfiled, createdMs, finishedMs}}) and a
 * blocking wait with a progress bar.
 */
public final class CampaignView {
    private CampaignView() {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    public static long count(JsonNode status, String state) {
        return status.path("counts").path(state).asLong(0);
    }

    public static boolean isFinal(JsonNode status) {
        String s = status.path("state").asText("");
        return s.equals("done") || s.equals("cancelled");
    }

    public static String time(JsonNode ms) {
        if (ms == null || ms.isNull() || ms.isMissingNode() || ms.asLong(0) <= 0) return "-";
        return TIME.format(Instant.ofEpochMilli(ms.asLong()));
    }

    /** A table of campaign statuses. */
    public static Table table(JsonNode statuses) {
        Table t = new Table("id", "name", "state", "done", "failed", "open", "total", "rate/s", "ETA", "created");
        for (JsonNode s : statuses) {
            t.row(s.path("id").asText(), s.path("name").asText(), s.path("state").asText(), count(s, "done"), count(s, "failed"),
                    count(s, "queued") + count(s, "leased"), s.path("total").asLong(), Table.fixed(s.path("doneRatePerSec").asDouble(0), 2),
                    isFinal(s) ? "-" : Table.duration(s.path("etaSeconds").asDouble(-1)), time(s.get("createdMs")));
        }
        return t;
    }

    /** Several lines describing one campaign. */
    public static void print(PrintWriter out, JsonNode s) {
        out.printf("campaign %s \"%s\": %s%n", s.path("id").asText(), s.path("name").asText(), s.path("state").asText());
        out.printf("  jobs     %d total: %d queued, %d leased, %d done, %d failed, %d cancelled%n", s.path("total").asLong(),
                count(s, "queued"), count(s, "leased"), count(s, "done"), count(s, "failed"), count(s, "cancelled"));
        double eta = s.path("etaSeconds").asDouble(-1);
        out.printf("  rate     %s done/s%s%n", Table.fixed(s.path("doneRatePerSec").asDouble(0), 2),
                isFinal(s) || eta < 0 ? "" : ", ETA " + Table.duration(eta));
        out.printf("  skipped  %d segment/kind pairs already profiled%n", s.path("skippedProfiled").asLong(0));
        out.printf("  created  %s, finished %s%n", time(s.get("createdMs")), time(s.get("finishedMs")));
        out.println("  " + ProgressBar.render("", 30, count(s, "done"), count(s, "failed"), s.path("total").asLong(),
                s.path("doneRatePerSec").asDouble(0), isFinal(s) ? -1 : eta, null));
        out.flush();
    }

    /**
     * Polls {@code GET /api/campaigns/{id}} every {@code intervalMs} until the campaign is done or
     * cancelled, drawing a progress bar on {@code progressOut} (redrawn in place when {@code live});
     * returns the final status.
     */
    public static JsonNode waitFor(FarmClient client, long id, PrintWriter progressOut, boolean live, long intervalMs)
            throws InterruptedException {
        ProgressBar bar = new ProgressBar(progressOut, "campaign " + id, live, 30, live ? 0 : 10_000);
        while (true) {
            JsonNode s = client.campaign(id);
            long done = count(s, "done"), failed = count(s, "failed"), total = s.path("total").asLong();
            if (isFinal(s)) {
                bar.finish(done, failed, total, s.path("doneRatePerSec").asDouble(-1), s.path("state").asText());
                return s;
            }
            String state = s.path("state").asText();
            bar.update(done, failed, total, s.path("doneRatePerSec").asDouble(-1), s.path("etaSeconds").asDouble(-1),
                    state.equals("running") ? null : state);
            Thread.sleep(intervalMs);
        }
    }

    /** One line summing up a finished campaign. */
    public static String summary(JsonNode s) {
        long created = s.path("createdMs").asLong(0), finished = s.path("finishedMs").asLong(0);
        String took = created > 0 && finished >= created ? " in " + Table.duration((finished - created) / 1000.0) : "";
        return String.format(Locale.ROOT, "campaign %s %s%s: %d done, %d failed, %d cancelled of %d jobs",
                s.path("id").asText(), s.path("state").asText(), took, count(s, "done"), count(s, "failed"),
                count(s, "cancelled"), s.path("total").asLong());
    }
}
