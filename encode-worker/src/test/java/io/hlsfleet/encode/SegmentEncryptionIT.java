package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AES-128 segment encryption with real ffmpeg: players with the key decode it, others cannot; the key
 * is staged beside the ladder, never written to the key store by the encoder.
 */
class SegmentEncryptionIT {

    @TempDir
    Path dir;

    private SegmentEncryption encryption() {
        Map<String, String> env = Map.of(
                "HLSFLEET_ENCRYPTION", "aes-128",
                "HLSFLEET_ENCRYPTION_KEY_URI", "https://keys.example.org/{videoId}/{generation}.key");
        return SegmentEncryption.from(Settings.of(env), Container.MPEGTS);
    }

    @Test
    void segmentsAreEncryptedAndDecodeWithTheStagedKey() throws Exception {
        Path clip = SyntheticClip.video(426, 240).seconds(3).writeTo(dir.resolve("secret.mp4"));
        EncodeHarness harness = new EncodeHarness(dir);
        Path ladder = harness.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS),
                encryption());

        // The key waits in staging, beside the ladder, for the upload stage to publish it with the ladder.
        StageOutputs outputs = harness.lastOutputs();
        assertThat(outputs.generation()).as("the encode attempt names the generation").isNotBlank();
        assertThat(outputs.key()).isEqualTo(outputs.ladder().replace("/ladder-", "/key-"));
        Path keyFile = harness.stagedKey();
        byte[] key = Files.readAllBytes(keyFile);
        assertThat(key).hasSize(16);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
                .as("a key file is readable by its owner only").isEqualTo("rw-------");
        try (Stream<Path> files = Files.walk(ladder)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no key inside the ladder")
                    .noneMatch(name -> name.endsWith(".key"));
        }

        for (String variant : List.of("144p", "240p")) {
            Path playlist = ladder.resolve(variant).resolve("index.m3u8");
            String text = Files.readString(playlist);
            assertThat(text).containsPattern("#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example.org/[^/\"]+/"
                    + outputs.generation() + "\\.key\",IV=0x[0-9a-f]{32}\n#EXTINF");
            // Without the key a segment is noise: MPEG-TS packets start with the sync byte 0x47.
            byte[] segment = Files.readAllBytes(ladder.resolve(variant).resolve("seg_00000.ts"));
            assertThat(segment.length % 16).isZero();
            assertThat(segment[0] == 0x47 && segment[188] == 0x47).isFalse();

            // With the key, as a player holding it would: the whole variant decodes.
            Path local = Files.writeString(playlist.resolveSibling("local.m3u8"),
                    text.replaceAll("URI=\"[^\"]+\"", "URI=\"" + keyFile.toAbsolutePath() + "\""));
            assertThat(Media.decodedSeconds(local)).isCloseTo(3.0, org.assertj.core.data.Offset.offset(0.5));
        }
        String master = Files.readString(ladder.resolve("master.m3u8"));
        assertThat(master).contains("CODECS=\"avc1.").contains("AVERAGE-BANDWIDTH=");
    }

    @Test
    void aKeyUriMustNameTheGeneration() {
        assertThatThrownBy(() -> SegmentEncryption.from(Settings.of(Map.of("HLSFLEET_ENCRYPTION", "aes-128",
                "HLSFLEET_ENCRYPTION_KEY_URI", "https://keys.example.org/{videoId}.key")), Container.MPEGTS))
                .hasMessageContaining("{generation}");
        assertThatThrownBy(() -> SegmentEncryption.from(Settings.of(Map.of("HLSFLEET_ENCRYPTION", "aes-128")),
                Container.MPEGTS)).hasMessageContaining("HLSFLEET_ENCRYPTION_KEY_URI");
    }
}
