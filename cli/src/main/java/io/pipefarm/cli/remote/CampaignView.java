package io.pipefarm.cli.remote;

import io.pipefarm.cli.ui.ProgressBar;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.api.CampaignStatus;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** Text views of {@link CampaignStatus} and a blocking wait with a progress bar. */
public final class CampaignView {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());

    private CampaignView() {}

    /** An epoch-ms time as local time, "-" when unset. */
    public static String time(Long epochMs) {
        if (epochMs == null || epochMs <= 0) return "-";
        return TIME.format(Instant.ofEpochMilli(epochMs));
    }

    /** A table of campaign statuses. */
    public static Table table(List<CampaignStatus> statuses) {
        Table t = new Table("id", "name", "state", "done", "failed", "open", "total", "rate/s", "ETA", "created");
        for (CampaignStatus s : statuses) {
            t.row(
                    s.id(),
                    s.name(),
                    s.state(),
                    s.counts().done(),
                    s.counts().failed(),
                    s.counts().open(),
                    s.total(),
                    Table.fixed(s.doneRatePerS(), 2),
                    s.finished() ? "-" : Table.duration(s.etaS()),
                    time(s.createdEpochMs()));
        }
        return t;
    }

    /** Several lines describing one campaign. */
    public static void print(PrintWriter out, CampaignStatus s) {
        CampaignStatus.JobCounts c = s.counts();
        out.printf("campaign %d \"%s\": %s%n", s.id(), s.name(), s.state());
        out.printf(
                "  jobs     %d total: %d queued, %d leased, %d done, %d failed, %d cancelled%n",
                s.total(), c.queued(), c.leased(), c.done(), c.failed(), c.cancelled());
        out.printf(
                "  rate     %s done/s%s%n",
                Table.fixed(s.doneRatePerS(), 2),
                s.finished() || s.etaS() < 0 ? "" : ", ETA " + Table.duration(s.etaS()));
        out.printf("  skipped  %d segment/kind pairs already profiled%n", s.skippedProfiled());
        out.printf("  created  %s, finished %s%n", time(s.createdEpochMs()), time(s.finishedEpochMs()));
        out.println("  "
                + ProgressBar.render(
                        "", 30, c.done(), c.failed(), s.total(), s.doneRatePerS(), s.finished() ? -1 : s.etaS(), null));
        out.flush();
    }

    /**
     * Polls {@code GET /api/campaigns/{id}} every {@code intervalMs} until the campaign is done or
     * cancelled, drawing a progress bar on {@code progressOut} (redrawn in place when {@code live});
     * returns the final status.
     */
    public static CampaignStatus waitFor(
            FarmClient client, long id, PrintWriter progressOut, boolean live, long intervalMs)
            throws InterruptedException {
        ProgressBar bar = new ProgressBar(progressOut, "campaign " + id, live, 30, live ? 0 : 10_000);
        while (true) {
            CampaignStatus s = client.campaign(id);
            long done = s.counts().done(), failed = s.counts().failed(), total = s.total();
            if (s.finished()) {
                bar.finish(done, failed, total, s.doneRatePerS(), s.state());
                return s;
            }
            bar.update(
                    done, failed, total, s.doneRatePerS(), s.etaS(), s.state().equals("running") ? null : s.state());
            Thread.sleep(intervalMs);
        }
    }

    /** One line summing up a finished campaign. */
    public static String summary(CampaignStatus s) {
        long created = s.createdEpochMs();
        long finished = s.finishedEpochMs() == null ? 0 : s.finishedEpochMs();
        String took = created > 0 && finished >= created ? " in " + Table.duration((finished - created) / 1000.0) : "";
        return String.format(
                Locale.ROOT,
                "campaign %d %s%s: %d done, %d failed, %d cancelled of %d jobs",
                s.id(),
                s.state(),
                took,
                s.counts().done(),
                s.counts().failed(),
                s.counts().cancelled(),
                s.total());
    }
}
