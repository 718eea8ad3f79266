package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks a freshly encoded ladder before it is staged: the master and every variant playlist it
 * lists are there, each variant is a finished VOD playlist, and every segment it lists is a
 * non-empty file. ffmpeg's HLS muxer ignores write errors: on a full disk it can exit 0 with empty
 * segments or a missing playlist, and such a ladder must be encoded again rather than published.
 */
final class LadderCheck {

    private LadderCheck() {
    }

    static void verify(Path ladder) throws JobFailure, IOException {
        Path master = ladder.resolve("master.m3u8");
        if (!Files.isRegularFile(master)) {
            throw JobFailure.retryable("the encoded ladder has no master playlist");
        }
        List<String> variants = entries(master);
        if (variants.isEmpty()) {
            throw JobFailure.retryable("the encoded master playlist lists no variant");
        }
        for (String variant : variants) {
            verifyVariant(ladder, variant);
        }
    }

    /**
     * Checks one variant playlist (relative to the ladder folder): finished, and every segment it
     * lists a non-empty file inside the ladder.
     */
    static void verifyVariant(Path ladder, String variant) throws JobFailure, IOException {
        Path playlist = ladder.resolve(variant).normalize();
        if (!playlist.startsWith(ladder) || !Files.isRegularFile(playlist)
                || !Files.readString(playlist).contains("#EXT-X-ENDLIST")) {
            throw JobFailure.retryable("the encoder left variant playlist " + variant + " missing or unfinished");
        }
        List<String> segments = entries(playlist);
        for (String segment : segments) {
            Path file = playlist.resolveSibling(segment).normalize();
            if (!file.startsWith(ladder) || !Files.isRegularFile(file) || Files.size(file) == 0) {
                throw JobFailure.retryable("the encoder's disk is full or failing: segment " + segment + " of "
                        + variant + " is missing or empty");
            }
        }
        if (segments.isEmpty()) {
            throw JobFailure.retryable("the encoded variant " + variant + " has no segment");
        }
    }

    private static List<String> entries(Path playlist) throws IOException {
        return Files.readAllLines(playlist).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }
}
