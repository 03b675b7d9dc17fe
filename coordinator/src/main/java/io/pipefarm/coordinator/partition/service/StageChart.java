package io.pipefarm.coordinator.partition.service;

import io.pipefarm.coordinator.partition.PartitionResult;
import java.util.Locale;

/** The stage chart of a partition as SVG ({@code stages.svg}, {@code GET /api/partitions/{id}/chart.svg}). */
public final class StageChart {
    private StageChart() {}

    /** Two panels: stage latency (predicted and measured bars), and parameter MiB with the on-chip cache line. */
    public static String svg(PartitionResult r) {
        int k = r.stageCount();
        int pw = Math.max(240, 70 * k), ph = 220, m = 50, w = 2 * pw + 3 * m, h = ph + 2 * m + 20;
        double maxLat = 0, maxMib = 0, cacheMib = 0;
        for (PartitionResult.Stage s : r.stages()) {
            if (Double.isFinite(s.predictedNs())) maxLat = Math.max(maxLat, s.predictedNs());
            if (Double.isFinite(s.measuredNs())) maxLat = Math.max(maxLat, s.measuredNs());
            maxMib = Math.max(maxMib, s.paramBytes() / 1048576.0);
            cacheMib = s.cacheBytes() / 1048576.0;
        }
        maxLat = Math.max(maxLat, 1) * 1.1;
        maxMib = Math.max(maxMib, cacheMib) * 1.15;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\">%s: %d stages on %s (%s), bottleneck %.3f ms</text>%n",
                m, esc(r.model()), k, esc(r.deviceKind()), esc(r.method()), r.bottleneckNs() / 1e6));
        int x0 = m, y0 = m + ph;
        axes(sb, x0, y0, pw, ph, "stage latency (ms)", maxLat / 1e6);
        double bw = (double) pw / k;
        for (PartitionResult.Stage s : r.stages()) {
            double bx = x0 + s.index() * bw;
            if (Double.isFinite(s.predictedNs())) bar(sb, bx + bw * 0.15, y0, bw * 0.33, s.predictedNs() / maxLat * ph, "#9ecae1", "predicted " + fmt(s.predictedNs() / 1e6) + " ms");
            if (Double.isFinite(s.measuredNs())) bar(sb, bx + bw * 0.5, y0, bw * 0.33, s.measuredNs() / maxLat * ph, "#3182bd", "measured " + fmt(s.measuredNs() / 1e6) + " ms");
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d [%d,%d)</text>%n", bx + bw / 2, y0 + 14, s.index(), s.start(), s.end()));
        }
        int x1 = 2 * m + pw;
        axes(sb, x1, y0, pw, ph, "parameters (MiB)", maxMib);
        for (PartitionResult.Stage s : r.stages()) {
            double bx = x1 + s.index() * bw;
            double mib = s.paramBytes() / 1048576.0;
            bar(sb, bx + bw * 0.2, y0, bw * 0.6, mib / maxMib * ph, s.fitsOnChip() ? "#31a354" : "#de2d26", fmt(mib) + " MiB");
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", bx + bw / 2, y0 + 14, s.index()));
        }
        double cy = y0 - cacheMib / maxMib * ph;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000\" stroke-dasharray=\"5,3\"/>%n", x1, cy, x1 + pw, cy));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">on-chip cache %.3f MiB</text>%n", x1 + pw, cy - 3, cacheMib));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">light: predicted, dark: measured; green fits the parameter cache, red streams from host memory</text>%n", m, h - 8));
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void axes(StringBuilder sb, int x, int y, int w, int h, String label, double max) {
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>%n", x, y, x + w, y));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>%n", x, y, x, y - h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", x, y - h - 6, esc(label)));
        for (int q = 0; q <= 4; q++) {
            double v = max * q / 4;
            int ty = y - h * q / 4;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", x - 4, ty + 4, fmt(v)));
        }
    }

    private static void bar(StringBuilder sb, double x, int y0, double w, double h, String color, String title) {
        sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>%n",
                x, y0 - h, w, Math.max(h, 0.5), color, esc(title)));
    }

    private static String fmt(double v) { return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v); }

    private static String esc(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;"); }
}
