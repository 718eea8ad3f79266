package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.JobOptions;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job's {@code encryption} and {@code profile} options with real ffmpeg, several jobs through
 * one worker's settings: each job gets the ladder it asked for, the others the operator's, and a
 * job asking for what the worker cannot make is refused with the reason.
 */
class PerJobOptionsIT extends EncodeStageFixture {

    private static final double SECONDS = 3.0;

    /** A worker whose fleet encrypts (HLSFLEET_ENCRYPTION=aes-128): jobs are encrypted unless they say otherwise. */
    private final SegmentEncryption encrypting = SegmentEncryption.from(Settings.of(Map.of(
            "HLSFLEET_ENCRYPTION", "aes-128",
            "HLSFLEET_ENCRYPTION_KEY_URI", "https://keys.example.org/{videoId}/{generation}.key")), Container.MPEGTS);

    private Path clip;

    @BeforeEach
    void clip() throws Exception {
        clip = SyntheticClip.video(426, 240).seconds(SECONDS).writeTo(dir.resolve("clip.mp4"));
    }

    @Test
    void encryptionIsOnOrOffPerJobInOneWorker() throws Exception {
        Path on = harness.encode(clip, small, encrypting, options("encryption", "on"));
        Path key = harness.stagedKey();
        assertEncrypted(on, key);

        Path off = harness.encode(clip, small, encrypting, options("encryption", "off"));
        assertThat(harness.lastOutputs().key()).as("no key is staged for a job in the clear").isNull();
        assertInTheClear(off);

        // A job without the option gets what the operator set: here, encryption.
        Path unsaid = harness.encode(clip, small, encrypting, JobOptions.NONE);
        assertEncrypted(unsaid, harness.stagedKey());

        // In a worker without keys, asking for encryption is refused rather than published in the clear.
        JobFailure refused = harness.refuse(clip, small, SegmentEncryption.disabled(), options("encryption", "on"));
        assertThat(refused.retryable()).isFalse();
        assertThat(refused.reason()).contains("asks for encryption", "none configured", "HLSFLEET_ENCRYPTION=aes-128");
    }

    @Test
    void aProfileOptionGivesThatProfilesLadder() throws Exception {
        Path operators = harness.encode(clip, small, SegmentEncryption.disabled(), JobOptions.NONE);
        assertThat(segments(operators)).allMatch(name -> name.endsWith(".ts"));
        assertThat(Files.readString(operators.resolve("144p/index.m3u8"))).doesNotContain("#EXT-X-MAP");

        Path cmaf = harness.encode(clip, small, SegmentEncryption.disabled(), options("profile", "cmaf"));
        assertThat(segments(cmaf)).isNotEmpty().allMatch(name -> name.endsWith(".m4s"));
        for (String variant : List.of("144p", "240p")) {
            Path playlist = cmaf.resolve(variant).resolve("index.m3u8");
            assertThat(Files.readString(playlist)).contains("#EXT-X-MAP:URI=");
            assertThat(Media.decodedSeconds(playlist)).isCloseTo(SECONDS, offset(0.5));
        }

        // The profile's fMP4 cannot be encrypted with AES-128: in an encrypting worker the job must say encryption=off.
        JobFailure refused = harness.refuse(clip, small, encrypting, options("profile", "cmaf"));
        assertThat(refused.retryable()).isFalse();
        assertThat(refused.reason()).contains("AES-128 encryption works with ts segments only");
        Path clear = harness.encode(clip, small, encrypting, options("profile", "cmaf", "encryption", "off"));
        assertThat(segments(clear)).isNotEmpty().allMatch(name -> name.endsWith(".m4s"));

        JobFailure unknown = harness.refuse(clip, small, SegmentEncryption.disabled(), options("profile", "vhs"));
        assertThat(unknown.retryable()).isFalse();
        assertThat(unknown.reason()).startsWith("the job's options cannot be encoded:").contains("vhs");
    }

    private static JobOptions options(String... pairs) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return JobOptions.parse(map);
    }

    private static void assertEncrypted(Path ladder, Path keyFile) throws Exception {
        assertThat(Files.readAllBytes(keyFile)).hasSize(16);
        for (String variant : List.of("144p", "240p")) {
            Path playlist = ladder.resolve(variant).resolve("index.m3u8");
            String text = Files.readString(playlist);
            assertThat(text).contains("#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example.org/");
            // Without the key a segment is noise: no MPEG-TS packets, no picture ffprobe can find. (Its
            // exit code alone proves nothing: in random bytes it may well recognise some format.)
            Path segment = ladder.resolve(variant).resolve("seg_00000.ts");
            byte[] bytes = Files.readAllBytes(segment);
            assertThat(bytes[0] == 0x47 && bytes[188] == 0x47).as("TS sync bytes in an encrypted segment").isFalse();
            assertThat(Processes.run(List.of("ffprobe", "-v", "quiet", "-f", "mpegts", "-select_streams", "v",
                    "-show_entries", "stream=codec_name", "-of", "csv=p=0", segment.toString())).out())
                    .as("video streams ffprobe finds in an encrypted segment read as MPEG-TS").doesNotContain("h264");
            // With the key, as a player holding it would: the whole variant decodes.
            Path local = Files.writeString(playlist.resolveSibling("local.m3u8"),
                    text.replaceAll("URI=\"[^\"]+\"", "URI=\"" + keyFile.toAbsolutePath() + "\""));
            assertThat(Media.decodedSeconds(local)).isCloseTo(SECONDS, offset(0.5));
        }
    }

    private static void assertInTheClear(Path ladder) throws Exception {
        for (String variant : List.of("144p", "240p")) {
            Path playlist = ladder.resolve(variant).resolve("index.m3u8");
            assertThat(Files.readString(playlist)).doesNotContain("#EXT-X-KEY");
            byte[] bytes = Files.readAllBytes(ladder.resolve(variant).resolve("seg_00000.ts"));
            assertThat(bytes[0] == 0x47 && bytes[188] == 0x47).as("TS sync bytes").isTrue();
            assertThat(Media.decodedSeconds(playlist)).isCloseTo(SECONDS, offset(0.5));
        }
    }

    private static List<String> segments(Path ladder) throws Exception {
        try (Stream<Path> files = Files.walk(ladder)) {
            return files.map(path -> path.getFileName().toString())
                    .filter(name -> name.startsWith("seg_")).toList();
        }
    }
}
