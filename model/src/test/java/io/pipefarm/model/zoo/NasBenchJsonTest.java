package io.pipefarm.model.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NasBenchJsonTest {
    @Test
    void roundTrip(@TempDir Path dir) throws Exception {
        List<CellSpec> specs = NasBenchSampler.sample(20, 9L);
        Path f = dir.resolve("cells.json");
        CellSpecJson.write(f, specs);
        assertEquals(specs, CellSpecJson.read(f));
        assertEquals(List.of(), CellSpecJson.parse(" [ ] "));
        CellSpec check = NasBenchTest.checkSpec();
        assertEquals(List.of(check), CellSpecJson.parse(CellSpecJson.toJson(List.of(check))));
        assertEquals(check, CellSpecJson.parse("[" + check + "]").get(0));
    }

    @Test
    void acceptsKeyOrderAndWhitespace() {
        String text = "[\n  {\"ops\": [\"input\", \"conv3x3-bn-relu\", \"output\"],\n"
                + "   \"matrix\": [[0,1,0],\r\n[0,0,1],[0,0,0]]}\n]\n";
        CellSpec s = CellSpecJson.parse(text).get(0);
        assertEquals(3, s.vertices());
        // Unpruned specs round-trip as given.
        String unpruned =
                "[{\"matrix\": [[0, 1, 1], [0, 0, 0], [0, 0, 0]], \"ops\": [\"input\", \"maxpool3x3\", \"output\"]}]";
        CellSpec u = CellSpecJson.parse(unpruned).get(0);
        assertEquals(2, u.vertices());
        assertTrue(CellSpecJson.toJson(List.of(u)).contains("[[0, 1, 1], [0, 0, 0], [0, 0, 0]]"));
    }

    @Test
    void errorsSayWhereAndWhat() {
        assertError("line 1, column 1: expected '[' starting the list", "{}");
        assertError("line 2, column 14: unknown key \"matrx\"", "[\n {\"ops\": [], \"matrx\": []}]");
        assertError("duplicate key \"ops\"", "[{\"ops\": [], \"ops\": []}]");
        assertError("not a fractional number", "[{\"matrix\": [[0, 1.0]]}]");
        assertError("has no \"ops\"", "[{\"matrix\": [[0, 1], [0, 0]]}]");
        assertError("unexpected text after the closing ']'", "[] x");
        assertError("unexpected end of input", "[{\"matrix\": [[0, 1], [0, 0]]");
        assertError("expected an op name string", "[{\"ops\": [1]}]");
        assertError(
                "line 3, column 2: cell spec #1 is invalid: invalid cell: the input cannot reach the output",
                "[{\"matrix\": [[0, 1], [0, 0]], \"ops\": [\"input\", \"output\"]},\n\n {\"matrix\": [[0, 0], [0, 0]], \"ops\": [\"input\", \"output\"]}]");
        assertError(
                "expected ',' or ']' after cell spec #0",
                "[{\"matrix\": [[0, 1], [0, 0]], \"ops\": [\"input\", \"output\"]} {}]");
        assertError("unterminated string", "[{\"ops");
        assertError("line 1, column 2: expected '{' starting cell spec #0, found '1'", "[1]");
        assertError("line 1, column 1: expected '[' starting the list of cell specs, found the end of the input", "");
    }

    @Test
    void syntaxErrorsSayWhatWasExpectedThere() {
        assertError(
                "line 1, column 15: expected ',' or ']' in \"ops\": Unexpected character",
                "[{\"ops\": [\"a\" \"b\"]}]");
        assertError("expected ',' or ']' in matrix row 0: Unrecognized token 'x'", "[{\"matrix\": [[0, x]]}]");
        assertError(
                "line 1, column 14: expected an op name string: Unrecognized character escape 'q'",
                "[{\"ops\": [\"a\\q\"]}]");
        assertError("line 1, column 3: expected a key (\"matrix\" or \"ops\"): Unexpected character ('1'", "[{1: 2}]");
        assertError("integer too large", "[{\"matrix\": [[0, 99999999999]]}]");
    }

    @Test
    void writesOneSpecPerLineWithSpaces() {
        CellSpec s = CellSpecJson.parse("[{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]}]")
                .get(0);
        assertEquals("{\"matrix\": [[0, 1], [0, 0]], \"ops\": [\"input\", \"output\"]}", CellSpecJson.toJson(s));
        assertEquals("[\n  " + s + ",\n  " + s + "\n]\n", CellSpecJson.toJson(List.of(s, s)));
        assertEquals("[]\n", CellSpecJson.toJson(List.of()));
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "[1]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CellSpecJson.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    private static void assertError(String part, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CellSpecJson.parse(text));
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }
}
