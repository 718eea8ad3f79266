package io.hlsfleet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The files of a ladder without any video in them, for tests of where ladders are stored and
 * published: {@code 360p/} and {@code 720p/} with a playlist naming the rung and
 * {@code segments} segments each, and {@code master.m3u8}; {@code 2 * segments + 3} files.
 */
public final class TinyLadder {

    private TinyLadder() {
    }

    public static Path write(Path dir, int segments) throws IOException {
        for (String variant : List.of("360p", "720p")) {
            Files.createDirectories(dir.resolve(variant));
            Files.writeString(dir.resolve(variant + "/index.m3u8"), "#EXTM3U\n#" + variant + "\n");
            for (int i = 0; i < segments; i++) {
                Files.write(dir.resolve(variant + "/seg_0000" + i + ".ts"), new byte[1000 + i]);
            }
        }
        Files.writeString(dir.resolve("master.m3u8"), "#EXTM3U\n");
        return dir;
    }
}
