package io.pipefarm.coordinator.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SvgTest {
    @Test
    void writesShapesInRootLocaleAndEscapesText() {
        String doc = new Svg(100, 50)
                .text(1.25, 2, "middle", "a<b & \"c\"")
                .bar(10, 40, 5, 0, "#123", "zero")
                .end();
        assertTrue(doc.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\""), doc);
        assertTrue(
                doc.contains("<text x=\"1.3\" y=\"2.0\" text-anchor=\"middle\">a&lt;b &amp; &quot;c&quot;</text>"),
                doc);
        // a zero-height bar still shows as half a unit standing on its base line
        assertTrue(
                doc.contains(
                        "<rect x=\"10.0\" y=\"40.0\" width=\"5.0\" height=\"0.5\" fill=\"#123\"><title>zero</title></rect>"),
                doc);
        assertTrue(doc.endsWith("</svg>\n"));
    }

    @Test
    void numbersAndLatenciesPickTheirPrecisionAndUnit() {
        assertEquals("123", Svg.number(123.4));
        assertEquals("12.3", Svg.number(12.34));
        assertEquals("1.23", Svg.number(1.234));
        assertEquals("5 ms", Svg.latency(5e6));
        assertEquals("20 us", Svg.latency(2e4));
        assertEquals("999 ns", Svg.latency(999));
        assertEquals("2 s", Svg.latency(2e9));
    }
}
