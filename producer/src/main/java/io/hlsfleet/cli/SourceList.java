package io.hlsfleet.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a list of sources: one URL or local path per line, {@code #} comments and blank lines
 * ignored, {@code -} for standard input.
 */
final class SourceList {

    private SourceList() {
    }

    static List<String> read(String list) throws IOException {
        if (list.equals("-")) {
            return parse(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines().toList());
        }
        Path path = Path.of(list);
        if (!Files.isRegularFile(path)) {
            throw new IOException("list file " + list + " does not exist");
        }
        return parse(Files.readAllLines(path, StandardCharsets.UTF_8));
    }

    static List<String> parse(List<String> lines) {
        List<String> sources = new ArrayList<>();
        for (String line : lines) {
            String item = line.strip();
            if (!item.isEmpty() && !item.startsWith("#")) {
                sources.add(item);
            }
        }
        return sources;
    }

    static boolean looksLikeUrl(String item) {
        return item.matches("(?i)^[a-z][a-z0-9+.-]*://.*");
    }
}
