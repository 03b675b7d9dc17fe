package io.pipefarm.cli.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class UiTest {
    @Test
    void tableAlignsColumns() {
        Table t = new Table("name", "ops", "size");
        t.row("mobilenet_v1", 31, "4.3 MiB");
        t.row("vgg16", 23, "132.1 MiB");
        assertEquals(
                ""
                        + "name          ops       size\n"
                        + "------------  ---  ---------\n"
                        + "mobilenet_v1   31    4.3 MiB\n"
                        + "vgg16          23  132.1 MiB\n",
                t.render());
    }

    @Test
    void formats() {
        assertEquals("1:05", Table.duration(65));
        assertEquals("1:00:00", Table.duration(3600));
        assertEquals("-", Table.duration(-1));
        assertEquals("1.5 KiB", Table.bytes(1536));
        assertEquals("4,253,864", Table.grouped(4_253_864));
    }

    @Test
    void progressBarRendersCountsRateAndEta() {
        String s = ProgressBar.render("c7", 10, 40, 10, 100, 2.5, 20, null);
        assertEquals("c7  [####x-----]   50/100  50%  done 40  failed 10  2.5/s  ETA 0:20", s);
        assertEquals(
                "[----------]  0/?  done 0  failed 0  -/s  paused",
                ProgressBar.render("", 10, 0, 0, 0, 0, -1, "paused"));
    }

    @Test
    void progressBarQuietModePrintsOnChangeOnly() {
        StringWriter w = new StringWriter();
        ProgressBar b = new ProgressBar(new PrintWriter(w), "c", false, 10, 0);
        b.update(1, 0, 4, 1, 3);
        b.update(1, 0, 4, 1, 3);
        b.update(2, 0, 4, 1, 2);
        b.finish(4, 0, 4, 1, "done");
        b.update(4, 0, 4, 1, 0);
        assertEquals(3, w.toString().lines().count(), w::toString);
        assertTrue(w.toString().lines().reduce((a, c) -> c).orElseThrow().endsWith("done"));
    }
}
