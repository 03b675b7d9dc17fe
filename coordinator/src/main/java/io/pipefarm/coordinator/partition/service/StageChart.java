package io.pipefarm.coordinator.partition.service;

import io.pipefarm.coordinator.chart.Svg;
import io.pipefarm.coordinator.partition.PartitionResult;
import java.util.Locale;

/** The stage chart of a partition as SVG ({@code stages.svg}, {@code GET /api/partitions/{id}/chart.svg}). */
public final class StageChart {
    private static final double MIB = 1048576.0;

    private StageChart() {}

    /** Two panels: stage latency (predicted and measured bars), and parameter MiB with the on-chip cache line. */
    public static String svg(PartitionResult r) {
        int k = r.stageCount();
        int pw = Math.max(240, 70 * k), ph = 220, m = 50, w = 2 * pw + 3 * m, h = ph + 2 * m + 20;
        double maxLat = 0, maxMib = 0, cacheMib = 0;
        for (PartitionResult.Stage s : r.stages()) {
            if (Double.isFinite(s.predictedNs())) maxLat = Math.max(maxLat, s.predictedNs());
            if (Double.isFinite(s.measuredNs())) maxLat = Math.max(maxLat, s.measuredNs());
            maxMib = Math.max(maxMib, s.paramBytes() / MIB);
            cacheMib = s.cacheBytes() / MIB;
        }
        maxLat = Math.max(maxLat, 1) * 1.1;
        maxMib = Math.max(maxMib, cacheMib) * 1.15;
        Svg svg = new Svg(w, h)
                .title(
                        m,
                        18,
                        13,
                        String.format(
                                Locale.ROOT,
                                "%s: %d stages on %s (%s), bottleneck %.3f ms",
                                r.model(),
                                k,
                                r.deviceKind(),
                                r.method(),
                                r.bottleneckNs() / 1e6));
        int x0 = m, y0 = m + ph;
        axes(svg, x0, y0, pw, ph, "stage latency (ms)", maxLat / 1e6);
        double bw = (double) pw / k;
        for (PartitionResult.Stage s : r.stages()) {
            double bx = x0 + s.index() * bw;
            if (Double.isFinite(s.predictedNs())) {
                svg.bar(
                        bx + bw * 0.15,
                        y0,
                        bw * 0.33,
                        s.predictedNs() / maxLat * ph,
                        "#9ecae1",
                        "predicted " + Svg.number(s.predictedNs() / 1e6) + " ms");
            }
            if (Double.isFinite(s.measuredNs())) {
                svg.bar(
                        bx + bw * 0.5,
                        y0,
                        bw * 0.33,
                        s.measuredNs() / maxLat * ph,
                        "#3182bd",
                        "measured " + Svg.number(s.measuredNs() / 1e6) + " ms");
            }
            svg.text(bx + bw / 2, y0 + 14, "middle", s.index() + " [" + s.start() + "," + s.end() + ")");
        }
        int x1 = 2 * m + pw;
        axes(svg, x1, y0, pw, ph, "parameters (MiB)", maxMib);
        for (PartitionResult.Stage s : r.stages()) {
            double bx = x1 + s.index() * bw;
            double mib = s.paramBytes() / MIB;
            svg.bar(
                    bx + bw * 0.2,
                    y0,
                    bw * 0.6,
                    mib / maxMib * ph,
                    s.fitsOnChip() ? "#31a354" : "#de2d26",
                    Svg.number(mib) + " MiB");
            svg.text(bx + bw / 2, y0 + 14, "middle", String.valueOf(s.index()));
        }
        double cy = y0 - cacheMib / maxMib * ph;
        svg.dashedLine(x1, cy, x1 + pw, cy, "#000", "5,3");
        svg.text(x1 + pw, cy - 3, "end", String.format(Locale.ROOT, "on-chip cache %.3f MiB", cacheMib));
        svg.text(
                m,
                h - 8,
                "start",
                "light: predicted, dark: measured; green fits the parameter cache, red streams from host memory");
        return svg.end();
    }

    private static void axes(Svg svg, int x, int y, int w, int h, String label, double max) {
        svg.line(x, y, x + w, y, "#000").line(x, y, x, y - h, "#000").text(x, y - h - 6, "start", label);
        for (int q = 0; q <= 4; q++) svg.text(x - 4, y - h * q / 4.0 + 4, "end", Svg.number(max * q / 4));
    }
}
