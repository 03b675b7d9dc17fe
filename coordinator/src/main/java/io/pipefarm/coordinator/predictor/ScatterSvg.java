package io.pipefarm.coordinator.predictor;

import io.pipefarm.coordinator.chart.Svg;

/** A predicted-vs-measured scatter plot (log-log axes, y = x and ±10% guide lines) as an SVG document. */
public final class ScatterSvg {
    private static final int SIZE = 560;
    private static final int MARGIN = 60;

    private ScatterSvg() {}

    public static String render(String title, double[] measuredNs, double[] predictedNs) {
        int w = SIZE, h = SIZE, m = MARGIN;
        double lo = Double.MAX_VALUE, hi = 0;
        for (int i = 0; i < measuredNs.length; i++) {
            lo = Math.min(lo, Math.min(measuredNs[i], predictedNs[i]));
            hi = Math.max(hi, Math.max(measuredNs[i], predictedNs[i]));
        }
        if (!(lo > 0) || hi <= lo) {
            lo = 1e3;
            hi = 1e7;
        }
        double llo = Math.floor(Math.log10(lo)), lhi = Math.ceil(Math.log10(hi));
        if (lhi <= llo) lhi = llo + 1;
        double span = lhi - llo;
        int pw = w - 2 * m, ph = h - 2 * m;
        Svg svg = new Svg(w, h).title(m, 20, 14, title).frame(m, m, pw, ph);
        for (double d = llo; d <= lhi + 1e-9; d++) {
            double f = (d - llo) / span;
            double x = m + f * pw, y = h - m - f * ph;
            String label = Svg.latency(Math.pow(10, d));
            svg.line(x, m, x, h - m, "#ddd").line(m, y, w - m, y, "#ddd");
            svg.text(x, h - m + 15, "middle", label).text(m - 4, y + 4, "end", label);
        }
        for (double k : new double[] {1.0, 1.1, 1 / 1.1}) {
            double off = Math.log10(k) / span;
            if (k == 1.0) svg.line(m, h - m - off * ph, w - m, m - off * ph, "#444");
            else svg.dashedLine(m, h - m - off * ph, w - m, m - off * ph, "#999", "4,3");
        }
        svg.clip(m, m, pw, ph);
        for (int i = 0; i < measuredNs.length; i++) {
            double fx = (Math.log10(measuredNs[i]) - llo) / span, fy = (Math.log10(predictedNs[i]) - llo) / span;
            svg.dot(fx * pw, ph - fy * ph, 1.6, "#1f77b4", 0.5);
        }
        return svg.endClip()
                .text(w / 2.0, h - 20, "middle", "measured latency")
                .verticalText(16, h / 2.0, "predicted latency")
                .end();
    }
}
