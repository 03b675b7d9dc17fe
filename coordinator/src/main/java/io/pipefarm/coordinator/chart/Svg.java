package io.pipefarm.coordinator.chart;

import java.util.Locale;

/**
 * A small SVG document builder for the charts pipefarm writes (stage charts, predicted-vs-measured
 * plots): shapes and text in user coordinates, numbers printed in {@link Locale#ROOT} so files are
 * the same on every machine, text escaped.
 */
public final class Svg {
    private final StringBuilder sb = new StringBuilder();

    public Svg(int width, int height) {
        add(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">",
                width, height);
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    }

    /** Text at (x, y); {@code anchor} is start, middle or end. */
    public Svg text(double x, double y, String anchor, String text) {
        return add("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", x, y, anchor, esc(text));
    }

    /** Text in another font size. */
    public Svg title(double x, double y, int fontSize, String text) {
        return add("<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\">%s</text>", x, y, fontSize, esc(text));
    }

    /** Text centred on (x, y), turned 90 degrees anticlockwise (a vertical axis label). */
    public Svg verticalText(double x, double y, String text) {
        return add(
                "<text x=\"%.1f\" y=\"%.1f\" transform=\"rotate(-90 %.1f %.1f)\" text-anchor=\"middle\">%s</text>",
                x, y, x, y, esc(text));
    }

    public Svg line(double x1, double y1, double x2, double y2, String stroke) {
        return add("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x1, y1, x2, y2, stroke);
    }

    public Svg dashedLine(double x1, double y1, double x2, double y2, String stroke, String dashes) {
        return add(
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"%s\"/>",
                x1, y1, x2, y2, stroke, dashes);
    }

    public Svg frame(double x, double y, double w, double h) {
        return add(
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"black\"/>",
                x, y, w, h);
    }

    /** A bar standing on {@code baseY}, at least half a unit tall so zero values still show; hovering shows {@code tooltip}. */
    public Svg bar(double x, double baseY, double w, double h, String fill, String tooltip) {
        return add(
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>",
                x, baseY - h, w, Math.max(h, 0.5), fill, esc(tooltip));
    }

    public Svg dot(double cx, double cy, double r, String fill, double opacity) {
        return add(
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" fill-opacity=\"%.2f\"/>",
                cx, cy, r, fill, opacity);
    }

    /** Starts a nested viewport: what is drawn until {@link #endClip()} is clipped to it, in its own coordinates. */
    public Svg clip(double x, double y, double w, double h) {
        return add("<svg x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">", x, y, w, h);
    }

    public Svg endClip() {
        sb.append("</svg>\n");
        return this;
    }

    /** The finished document. */
    public String end() {
        return sb + "</svg>\n";
    }

    /** A number with two significant-looking decimals at most, for axis ticks and labels. */
    public static String number(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    /** A latency in the largest unit that keeps it at least 1 (ns, us, ms, s). */
    public static String latency(double ns) {
        if (ns >= 1e9) return String.format(Locale.ROOT, "%.0f s", ns / 1e9);
        if (ns >= 1e6) return String.format(Locale.ROOT, "%.0f ms", ns / 1e6);
        if (ns >= 1e3) return String.format(Locale.ROOT, "%.0f us", ns / 1e3);
        return String.format(Locale.ROOT, "%.0f ns", ns);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private Svg add(String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append('\n');
        return this;
    }
}
