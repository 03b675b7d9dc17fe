package io.pipefarm.coordinator.predictor;

import java.util.Locale;

/** A predicted-vs-measured scatter plot (log-log axes, y = x and ±10% guide lines) as an SVG document. */
public final class ScatterSvg {
    private ScatterSvg() {}

    public static String render(String title, double[] measuredNs, double[] predictedNs) {
        int w = 560, h = 560, m = 60;
        double lo = Double.MAX_VALUE, hi = 0;
        for (int i = 0; i < measuredNs.length; i++) {
            lo = Math.min(lo, Math.min(measuredNs[i], predictedNs[i]));
            hi = Math.max(hi, Math.max(measuredNs[i], predictedNs[i]));
        }
        if (!(lo > 0) || hi <= lo) { lo = 1e3; hi = 1e7; }
        double llo = Math.floor(Math.log10(lo)), lhi = Math.ceil(Math.log10(hi));
        if (lhi <= llo) lhi = llo + 1;
        double span = lhi - llo;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", w, h));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>%n", m, esc(title)));
        int pw = w - 2 * m, ph = h - 2 * m;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>%n", m, m, pw, ph));
        for (double d = llo; d <= lhi + 1e-9; d++) {
            double f = (d - llo) / span;
            double x = m + f * pw, y = h - m - f * ph;
            String label = fmt(Math.pow(10, d));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, m, x, h - m));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", m, y, w - m, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, h - m + 15, label));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", m - 4, y + 4, label));
        }
        for (double k : new double[] {1.0, 1.1, 1 / 1.1}) {
            double off = Math.log10(k) / span;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"%s\"/>%n",
                    (double) m, h - m - off * ph, (double) w - m, (double) m - off * ph, k == 1.0 ? "#444" : "#999", k == 1.0 ? "none" : "4,3"));
        }
        sb.append(String.format(Locale.ROOT, "<svg x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\">%n", m, m, pw, ph));
        for (int i = 0; i < measuredNs.length; i++) {
            double fx = (Math.log10(measuredNs[i]) - llo) / span, fy = (Math.log10(predictedNs[i]) - llo) / span;
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"#1f77b4\" fill-opacity=\"0.5\"/>%n", fx * pw, ph - fy * ph));
        }
        sb.append("</svg>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">measured latency</text>%n", w / 2, h - 20));
        sb.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">predicted latency</text>%n", h / 2, h / 2));
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String fmt(double ns) {
        if (ns >= 1e9) return String.format(Locale.ROOT, "%.0f s", ns / 1e9);
        if (ns >= 1e6) return String.format(Locale.ROOT, "%.0f ms", ns / 1e6);
        if (ns >= 1e3) return String.format(Locale.ROOT, "%.0f us", ns / 1e3);
        return String.format(Locale.ROOT, "%.0f ns", ns);
    }

    private static String esc(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }
}
