package io.pipefarm.agent.edgetpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compiler driver against fake edgetpu_compiler scripts (the real one is x86_64-only and not here). */
class EdgeTpuCompilerTest {
    @TempDir
    Path dir;

    /** A script that behaves like the compiler: writes DIR/<stem>_edgetpu.tflite and .log, prints the report. */
    private Path fakeCompiler(String body) throws Exception {
        Path script = dir.resolve("edgetpu_compiler");
        Files.writeString(script, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static final String WORKS = String.join(
            "\n",
            "out=''; in=''",
            "while [ $# -gt 0 ]; do",
            "  case \"$1\" in",
            "    -o|--out_dir) out=\"$2\"; shift 2;;",
            "    -s) shift;;",
            "    *) in=\"$1\"; shift;;",
            "  esac",
            "done",
            "stem=$(basename \"$in\" .tflite)",
            "cp \"$in\" \"$out/${stem}_edgetpu.tflite\"",
            "printf 'Edge TPU Compiler version 16.0.384591198\\nInput: %s\\n\\nOperator                       Count      Status\\n\\n"
                    + "FULLY_CONNECTED                2          Mapped to Edge TPU\\n' \"$in\" > \"$out/${stem}_edgetpu.log\"",
            "echo 'Edge TPU Compiler version 16.0.384591198'",
            "echo \"Input model: $in\"",
            "echo 'On-chip memory used for caching model parameters: 1.50KiB'",
            "echo 'On-chip memory remaining for caching model parameters: 7.74MiB'",
            "echo 'Off-chip memory used for streaming uncached model parameters: 0.00B'",
            "echo 'Number of Edge TPU subgraphs: 1'",
            "echo 'Total number of operations: 2'",
            "echo \"Operation log: $out/${stem}_edgetpu.log\"",
            "");

    @Test
    void compilesIntoATempDirAndParsesTheReport() throws Exception {
        EdgeTpuCompiler c = new EdgeTpuCompiler(fakeCompiler(WORKS), Duration.ofSeconds(30), List.of());
        byte[] in = CompiledModels.compiledSegment();
        EdgeTpuCompiler.Result r = c.compile(in, "seg 1");
        assertArrayEquals(in, r.compiled());
        assertTrue(
                r.outputFile().getFileName().toString().equals("seg_1_edgetpu.tflite"),
                r.outputFile().toString());
        assertEquals("16.0.384591198", r.report().compilerVersion());
        assertEquals(1536, r.report().onChipCachedBytes());
        assertEquals(0, r.report().offChipStreamedBytes());
        assertEquals(2, r.report().totalOps());
        assertEquals(
                List.of(new CompilerReport.OpRow("FULLY_CONNECTED", 2, "Mapped to Edge TPU")),
                r.report().ops(),
                "rows from the log when stdout has none");
        assertTrue(Files.notExists(r.outputFile()), "temp dir removed");

        Path seg = dir.resolve("a.tflite");
        Files.write(seg, in);
        EdgeTpuCompiler.Result r2 = c.compile(seg, dir.resolve("out"));
        assertEquals(dir.resolve("out/a_edgetpu.tflite"), r2.outputFile());
        assertTrue(Files.isRegularFile(r2.outputFile()));
    }

    @Test
    void aFailingCompileSaysWhy() throws Exception {
        EdgeTpuCompiler c = new EdgeTpuCompiler(
                fakeCompiler("echo 'Edge TPU Compiler version 16.0.384591198'\necho 'Invalid model: seg.tflite'\n"
                        + "echo 'Model not quantized'\nexit 1\n"),
                Duration.ofSeconds(30),
                List.of());
        EdgeTpuCompilerException e =
                assertThrows(EdgeTpuCompilerException.class, () -> c.compile(new byte[] {1, 2}, "seg"));
        assertEquals(EdgeTpuCompilerException.Kind.FAILED, e.kind());
        assertTrue(e.getMessage().contains("exit code 1"), e.getMessage());
        assertTrue(e.getMessage().contains("Model not quantized"), e.getMessage());
    }

    @Test
    void aHangingCompilerTimesOut() throws Exception {
        EdgeTpuCompiler c = new EdgeTpuCompiler(fakeCompiler("exec sleep 30\n"), Duration.ofMillis(500), List.of());
        EdgeTpuCompilerException e =
                assertThrows(EdgeTpuCompilerException.class, () -> c.compile(new byte[] {1}, "seg"));
        assertEquals(EdgeTpuCompilerException.Kind.TIMEOUT, e.kind());
    }

    @Test
    void aMissingCompilerNamesThePackage() throws Exception {
        String old = System.getProperty(EdgeTpuCompiler.PROPERTY);
        try {
            System.setProperty(
                    EdgeTpuCompiler.PROPERTY, dir.resolve("no/edgetpu_compiler").toString());
            EdgeTpuCompilerException e = assertThrows(EdgeTpuCompilerException.class, EdgeTpuCompiler::find);
            assertEquals(EdgeTpuCompilerException.Kind.MISSING, e.kind());
            assertTrue(e.getMessage().contains("edgetpu-compiler"), e.getMessage());
            assertTrue(e.getMessage().contains("x86_64"), e.getMessage());
            assertTrue(EdgeTpuCompiler.describeLocation().contains("is not an executable file"));

            Path fake = fakeCompiler(WORKS);
            System.setProperty(EdgeTpuCompiler.PROPERTY, fake.toString());
            assertEquals(fake.toAbsolutePath(), EdgeTpuCompiler.find().executable());
            assertEquals("found at " + fake.toAbsolutePath(), EdgeTpuCompiler.describeLocation());
        } finally {
            if (old == null) System.clearProperty(EdgeTpuCompiler.PROPERTY);
            else System.setProperty(EdgeTpuCompiler.PROPERTY, old);
        }
    }

    @Test
    void pathSearch() throws Exception {
        Path fake = fakeCompiler(WORKS);
        assertEquals(
                fake.toAbsolutePath(),
                EdgeTpuCompiler.onPath("edgetpu_compiler", "/nonexistent:" + dir)
                        .orElseThrow());
        assertTrue(EdgeTpuCompiler.onPath("edgetpu_compiler", "/nonexistent").isEmpty());
        assumeTrue(
                EdgeTpuCompiler.onPath("edgetpu_compiler", System.getenv("PATH"))
                        .isEmpty(),
                "compiler installed here");
    }
}
