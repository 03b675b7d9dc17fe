package io.pipefarm.agent.edgetpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in libedgetpu built with the host's C compiler for tests: the edgetpu_c.h functions with
 * a device list set by {@code fake_set_devices(n)} (even entries USB, odd PCI), delegates that record
 * the options they were created with ({@code fake_last_create()}), and counters of frees.
 * Null when no C compiler is available.
 */
final class FakeLibEdgeTpu {
    private FakeLibEdgeTpu() {}

    static final String SOURCE = String.join(
            "\n",
            "#include <stdlib.h>",
            "#include <stdio.h>",
            "#include <string.h>",
            "struct edgetpu_device { int type; const char* path; };",
            "struct edgetpu_option { const char* name; const char* value; };",
            "static int n_devices = 0, list_frees = 0, live_delegates = 0, verbosity = -1;",
            "static size_t last_count = 0;",
            "static char last_create[2048];",
            "void fake_set_devices(int n) { n_devices = n; }",
            "int fake_list_frees(void) { return list_frees; }",
            "int fake_live_delegates(void) { return live_delegates; }",
            "int fake_verbosity(void) { return verbosity; }",
            "const char* fake_last_create(void) { return last_create; }",
            "struct edgetpu_device* edgetpu_list_devices(size_t* num) {",
            "  *num = (size_t) n_devices; last_count = (size_t) n_devices;",
            "  if (n_devices == 0) return NULL;",
            "  struct edgetpu_device* d = calloc((size_t) n_devices, sizeof *d);",
            "  for (int i = 0; i < n_devices; i++) {",
            "    char* p = malloc(64);",
            "    if (i % 2 == 0) { d[i].type = 1; snprintf(p, 64, \"/sys/bus/usb/devices/%d-1\", i + 2); }",
            "    else { d[i].type = 0; snprintf(p, 64, \"/dev/apex_%d\", i / 2); }",
            "    d[i].path = p;",
            "  }",
            "  return d;",
            "}",
            "void edgetpu_free_devices(struct edgetpu_device* d) {",
            "  if (!d) return;",
            "  for (size_t i = 0; i < last_count; i++) free((void*) d[i].path);",
            "  free(d); list_frees++;",
            "}",
            "void* edgetpu_create_delegate(int type, const char* name, const struct edgetpu_option* o, size_t n) {",
            "  int k = snprintf(last_create, sizeof last_create, \"%d|%s|%zu\", type, name ? name : \"(null)\", n);",
            "  for (size_t i = 0; i < n && k < (int) sizeof last_create; i++)",
            "    k += snprintf(last_create + k, sizeof last_create - k, \"|%s=%s\", o[i].name, o[i].value);",
            "  if (name && strcmp(name, \"/dev/missing\") == 0) return NULL;",
            "  live_delegates++;",
            "  return malloc(16);",
            "}",
            "void edgetpu_free_delegate(void* d) { if (d) { free(d); live_delegates--; } }",
            "void edgetpu_verbosity(int v) { verbosity = v; }",
            "const char* edgetpu_version(void) { return \"BuildLabel(COMPILER=fake,DATE=test),RuntimeVersion(14)\"; }",
            "");

    /** Builds the library into {@code dir}; null when cc is missing or fails. */
    static Path build(Path dir) throws IOException, InterruptedException {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return null;
        Path c = dir.resolve("fake_edgetpu.c");
        Path so = dir.resolve("libedgetpu.so.1");
        Files.writeString(c, SOURCE);
        Process p;
        try {
            p = new ProcessBuilder("cc", "-shared", "-fPIC", "-O1", "-o", so.toString(), c.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            System.err.println("cc failed: " + out);
            return null;
        }
        return so;
    }
}
