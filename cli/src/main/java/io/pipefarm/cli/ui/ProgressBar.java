package io.pipefarm.cli.ui;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar for job counts:
 * <pre>  campaign 3  [##########----------]  120/240  done 118  failed 2  4.1/s  ETA 0:29</pre>
 * On a terminal ({@code live}) the line is redrawn in place with a carriage return; otherwise (a pipe,
 * a log file, a test) a line is printed only when the counts changed and at most every
 * {@code quietIntervalMs}, and always for {@link #finish}. Rate and ETA come from the caller (e.g. the
 * coordinator's status) or, when the caller passes a negative value, are estimated here from the
 * completions seen so far.
 */
public final class ProgressBar {
    private final PrintWriter out;
    private final String label;
    private final boolean live;
    private final int width;
    private final long quietIntervalMs;
    private final long startNanos = System.nanoTime();
    private long lastPrintMs = Long.MIN_VALUE / 2;
    private String lastCounts = "";
    private int lastLength;
    private boolean finished;

    /** A bar of 30 cells that redraws in place when {@code live}, else prints every 10 s at most. */
    public ProgressBar(PrintWriter out, String label, boolean live) {
        this(out, label, live, 30, 10_000);
    }

    public ProgressBar(PrintWriter out, String label, boolean live, int width, long quietIntervalMs) {
        if (width < 1) throw new IllegalArgumentException("width must be >= 1");
        this.out = out;
        this.label = label == null ? "" : label;
        this.live = live;
        this.width = width;
        this.quietIntervalMs = quietIntervalMs;
    }

    /** True when stdout is an interactive terminal (so a bar can be redrawn in place). */
    public static boolean stdoutIsTerminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /**
     * Shows the counts.
     *
     * @param done jobs finished successfully
     * @param failed jobs failed for good
     * @param total all jobs (0 when not yet known)
     * @param ratePerSec completions per second, or negative to estimate from elapsed time
     * @param etaSeconds seconds to go, or negative to estimate from the rate
     */
    public synchronized void update(long done, long failed, long total, double ratePerSec, double etaSeconds) {
        update(done, failed, total, ratePerSec, etaSeconds, null);
    }

    /** Like {@link #update(long, long, long, double, double)} with a short note appended (e.g. "paused"). */
    public synchronized void update(
            long done, long failed, long total, double ratePerSec, double etaSeconds, String note) {
        if (finished) return;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double rate = ratePerSec >= 0 ? ratePerSec : (elapsed > 0 ? (done + failed) / elapsed : 0);
        double eta =
                etaSeconds >= 0 ? etaSeconds : (rate > 0 && total > 0 ? Math.max(0, total - done - failed) / rate : -1);
        String line = render(label, width, done, failed, total, rate, eta, note);
        long now = System.currentTimeMillis();
        if (live) {
            draw(line);
        } else {
            String counts = done + "/" + failed + "/" + total + "/" + note;
            if (!counts.equals(lastCounts) && now - lastPrintMs >= quietIntervalMs) {
                out.println(line);
                out.flush();
                lastPrintMs = now;
            }
            lastCounts = counts;
        }
    }

    /** Shows the final counts on their own line; later updates are ignored. */
    public synchronized void finish(long done, long failed, long total, double ratePerSec, String note) {
        if (finished) return;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double rate = ratePerSec >= 0 ? ratePerSec : (elapsed > 0 ? (done + failed) / elapsed : 0);
        String line = render(label, width, done, failed, total, rate, -1, note);
        if (live) {
            draw(line);
            out.println();
        } else {
            out.println(line);
        }
        out.flush();
        finished = true;
    }

    private void draw(String line) {
        String pad = line.length() < lastLength ? " ".repeat(lastLength - line.length()) : "";
        out.print("\r" + line + pad);
        out.flush();
        lastLength = line.length();
    }

    /** The bar as text (no newline); pure, for tests and for callers drawing it themselves. */
    public static String render(
            String label,
            int width,
            long done,
            long failed,
            long total,
            double ratePerSec,
            double etaSeconds,
            String note) {
        StringBuilder sb = new StringBuilder();
        if (label != null && !label.isEmpty()) sb.append(label).append("  ");
        long finished = done + failed;
        int full = total <= 0 ? 0 : (int) Math.min(width, finished * width / total);
        int bad = total <= 0 ? 0 : (int) Math.min(full, Math.round((double) failed * width / total));
        if (failed > 0 && bad == 0 && full > 0) bad = 1;
        sb.append('[')
                .append("#".repeat(full - bad))
                .append("x".repeat(bad))
                .append("-".repeat(width - full))
                .append(']');
        String totalText = total > 0 ? Long.toString(total) : "?";
        sb.append(String.format(Locale.ROOT, "  %" + totalText.length() + "d/%s", finished, totalText));
        if (total > 0) sb.append(String.format(Locale.ROOT, " %3d%%", finished * 100 / total));
        sb.append("  done ").append(done).append("  failed ").append(failed);
        sb.append("  ").append(rate(ratePerSec));
        if (etaSeconds >= 0 && finished < total) sb.append("  ETA ").append(Table.duration(etaSeconds));
        if (note != null && !note.isEmpty()) sb.append("  ").append(note);
        return sb.toString();
    }

    private static String rate(double r) {
        if (!Double.isFinite(r) || r <= 0) return "-/s";
        if (r >= 100) return String.format(Locale.ROOT, "%.0f/s", r);
        if (r >= 1) return String.format(Locale.ROOT, "%.1f/s", r);
        return String.format(Locale.ROOT, "%.2f/s", r);
    }
}
