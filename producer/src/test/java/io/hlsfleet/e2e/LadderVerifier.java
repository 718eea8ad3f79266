package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a published ladder the way a player would find it: the master lists the planned
 * variants, and every variant decodes with ffprobe to H.264 of the planned height whose duration
 * is within half a second of the source's.
 */
final class LadderVerifier {

    private LadderVerifier() {
    }

    static void verify(Path bucket, String videoId, Path source, List<Integer> expectedHeights) throws Exception {
        Path master = bucket.resolve(videoId).resolve("master.m3u8");
        assertThat(master).as("master playlist of %s", videoId).isRegularFile();
        double sourceDuration = Double.parseDouble(TestClips.probe("-show_entries", "format=duration",
                "-of", "default=nw=1:nk=1", source.toString()));
        List<String> variants = new ArrayList<>();
        for (String line : Files.readAllLines(master)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                variants.add(line.strip());
            }
        }
        assertThat(variants).as("variants of %s", videoId).hasSize(expectedHeights.size());
        for (int i = 0; i < variants.size(); i++) {
            Path playlist = master.resolveSibling(variants.get(i));
            String[] stream = TestClips.probe("-select_streams", "v:0", "-show_entries",
                    "stream=codec_name,height,pix_fmt", "-of", "csv=p=0", playlist.toString())
                    .lines().findFirst().orElse("").split(",");
            assertThat(stream[0]).isEqualTo("h264");
            assertThat(Integer.parseInt(stream[1])).as("height of %s", playlist).isEqualTo(expectedHeights.get(i));
            assertThat(stream[2]).isEqualTo("yuv420p");
            double duration = Double.parseDouble(TestClips.probe("-show_entries", "format=duration",
                    "-of", "default=nw=1:nk=1", playlist.toString()));
            assertThat(duration).as("duration of %s", playlist).isCloseTo(sourceDuration,
                    org.assertj.core.data.Offset.offset(0.5));
            // Decode every frame: a truncated or corrupt segment fails here.
            TestClips.run(List.of("ffmpeg", "-v", "error", "-xerror", "-i", playlist.toString(), "-f", "null", "-"));
        }
    }
}
