package io.hlsfleet.e2e;

import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.SyntheticClip;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The names the fault suite calls, kept for it alone: clips come from {@link SyntheticClip} and
 * commands run through {@link Processes}. New tests call those directly.
 */
final class TestClips {

    private TestClips() {
    }

    static Path generate(Path dir, String name, int width, int height, int seconds) throws IOException, InterruptedException {
        return SyntheticClip.generate(dir, name, width, height, seconds);
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Processes.check(command);
    }
}
