package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hlsfleet.config.Settings;
import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Ladders made by the real encode stage, played in hls.js and Shaka Player inside headless
 * Chromium (see {@link PlayerHarness}). The MPEG-TS and fMP4 ladders are those with two audio
 * languages and subtitles; the others cover AES-128, portrait and silent sources, a 5.1 source
 * (E-AC-3 variants beside the AAC ones) and an HLG source whose HDR is kept (HEVC variants beside
 * the SDR ones). For each: every
 * level loads and renders at its height, automatic switching plays, a seek to the middle and to
 * the end work, {@code ended} fires, every audio rendition plays when selected, every subtitle
 * track can be selected and shows its cues (in Shaka, chosen at load), Shaka plays fast forward from the I-frame
 * playlists, and no player reports a fatal error.
 */
class PlayerIT {

    @TempDir
    static Path dir;

    private static PlayerHarness players;
    private static EncodeHarness encoder;

    @BeforeAll
    static void startPlayers() throws Exception {
        players = new PlayerHarness(dir);
        encoder = new EncodeHarness(dir);
    }

    @AfterAll
    static void stopPlayers() {
        players.close();
    }

    private final EncodeSettings small = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS);

    @Test
    void aes128LadderPlaysWithItsKey() throws Exception {
        Path clip = SyntheticClip.video(426, 240).seconds(4).writeTo(dir.resolve("aes.mp4"));
        Map<String, String> env = Map.of(
                "HLSFLEET_ENCRYPTION", "aes-128",
                "HLSFLEET_ENCRYPTION_KEY_URI", players.url("keys/{generation}.key"));
        SegmentEncryption encryption = SegmentEncryption.from(Settings.of(env), Container.MPEGTS);
        Path ladder = encoder.encode(clip, small, encryption);
        // Where the upload stage's key store and a key service would put it.
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.copy(encoder.stagedKey(), keys.resolve(encoder.lastOutputs().generation() + ".key"));
        // The files cannot be checked without the key (the ladder check tests run on clear ladders);
        // the players fetch it from the key URI and must play every level.
        assertPlays(ladder, List.of(144, 240));
    }

    @Test
    void portraitLadderPlays() throws Exception {
        Path clip = SyntheticClip.video(240, 426).seconds(4).writeTo(dir.resolve("portrait.mp4"));
        assertPlays(clip, encoder.encode(clip, small));
    }

    @Test
    void ladderWithoutAudioPlays() throws Exception {
        Path clip = SyntheticClip.video(426, 240).seconds(4).audioTracks(0).writeTo(dir.resolve("silent.mp4"));
        assertPlays(clip, encoder.encode(clip, small));
    }

    /**
     * A 5.1 source's ladder lists every variant twice, with the stereo AAC group and with the E-AC-3
     * one. Chromium decodes no E-AC-3, so both players must leave those variants out and play the
     * AAC ones: the same levels and the one audio track of a stereo source.
     */
    @Test
    void multichannelLadderPlaysItsAacVariantsWhereEac3CannotBeDecoded() throws Exception {
        Path clip = dir.resolve("surround.mp4");
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-t", "4", "-i",
                "testsrc2=s=426x240:r=25", "-f", "lavfi", "-t", "4", "-i", "sine=frequency=440:sample_rate=48000",
                "-filter_complex", "[1:a]pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0[a]", "-map", "0:v", "-map", "[a]",
                "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", clip.toString()));
        Path ladder = encoder.encode(clip, small);
        assertThat(Files.readString(ladder.resolve("master.m3u8"))).contains("AUDIO=\"surround\"", "ec-3");
        List<JsonNode> reports = assertPlays(ladder, List.of(144, 240));
        for (JsonNode report : reports) {
            assertThat(report.path("audio")).as("%s: audio renditions", report.path("player").asString()).hasSize(1);
        }
    }

    /**
     * An HLG source with the profile that keeps HDR: the master lists the SDR H.264 variants and the
     * HEVC Main10 HDR ones. Headless Chromium shows no HDR and decodes no HEVC, so both players must
     * keep to the SDR variants and play them.
     */
    @Test
    void hdrLadderPlaysItsSdrVariantsWhereHdrCannotBeShown() throws Exception {
        Path clip = SyntheticClip.video(426, 240).seconds(4).codec("libx265").pixelFormat("yuv420p10le")
                .videoFilter("zscale=tin=bt709:pin=bt709:min=bt709:rin=limited:t=arib-std-b67:p=bt2020:m=bt2020nc"
                        + ":r=limited:npl=100")
                .outputArgs("-tag:v", "hvc1", "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace",
                        "bt2020nc").writeTo(dir.resolve("hlg.mp4"));
        Path ladder = encoder.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_PROFILE", "cmaf-hdr"));
        assertThat(Files.readString(ladder.resolve("master.m3u8"))).contains("VIDEO-RANGE=HLG", "hvc1.");
        assertPlays(ladder, List.of(144, 240));
    }

    /**
     * A ladder put together from chunks encoded apart (with B-frames, whose reorder delay each chunk
     * must share) plays like any other, and at every place where one chunk meets the next the
     * players play on and hold one unbroken stretch of sound and picture: a timestamp gap there
     * would leave a hole in what the browser buffers.
     */
    @Test
    void chunkedLadderPlaysOnAcrossEveryChunkBoundary() throws Exception {
        Path clip = SyntheticClip.video(426, 240).seconds(24).writeTo(dir.resolve("long.mp4"));
        EncodeHarness.ChunkedLadder chunked = EncodeHarness.encodeInChunks(clip,
                EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS, "HLSFLEET_ENCODE_PRESET",
                        "veryfast"),
                new ChunkProperties(true, Duration.ofSeconds(10), Duration.ofSeconds(6)), dir.resolve("chunked"));
        List<Double> boundaries = chunked.plan().chunks().stream().skip(1).map(c -> (double) c.startSeconds())
                .toList();
        assertThat(boundaries).containsExactly(6.0, 12.0, 18.0);

        List<JsonNode> reports = assertPlays(clip, chunked.dir(), boundaries);
        SoftAssertions softly = new SoftAssertions();
        for (JsonNode report : reports) {
            String player = report.path("player").asString();
            softly.assertThat(report.path("crossings")).as("%s: boundaries crossed", player).hasSize(3);
            report.path("crossings").forEach(crossing -> softly.assertThat(crossing.path("buffered").asBoolean())
                    .as("%s: one buffered stretch across %s", player, crossing).isTrue());
        }
        softly.assertAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ts", "fmp4"})
    void twoAudioLanguagesAndSubtitlesAreOfferedAndSwitched(String container) throws Exception {
        Path clip = languagesClip(container);
        Path ladder = encoder.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_CONTAINER", container));
        String master = Files.readString(ladder.resolve("master.m3u8"));
        assertThat(master.lines().filter(l -> l.startsWith("#EXT-X-MEDIA:TYPE=AUDIO"))).hasSize(2);
        assertThat(master.lines().filter(l -> l.startsWith("#EXT-X-MEDIA:TYPE=SUBTITLES"))).hasSize(1);

        List<JsonNode> reports = assertPlays(clip, ladder);
        SoftAssertions softly = new SoftAssertions();
        for (JsonNode report : reports) {
            String player = report.path("player").asString();
            softly.assertThat(strings(report.path("audio"), "language")).as("%s: audio renditions", player)
                    .containsExactly("en", "de");
            softly.assertThat(strings(report.path("subtitles"), "language")).as("%s: subtitle tracks", player)
                    .containsExactly("en");
            // hls.js shows the cues of a track switched on mid-play. Shaka 5.2 holds WebVTT back until
            // it appends another video segment after the switch, which in this one-segment clip
            // depends on whether the replay from 0 falls inside the buffer (fMP4: always; MPEG-TS,
            // starting at 0.001 s: a refetch races the check). Its viewers' usual path, subtitles
            // chosen when the video loads, shows the cues in both containers.
            JsonNode shown = player.equals("shaka") ? report.path("subtitlesChosenAtLoad")
                    : report.path("subtitles").path(0).path("cues");
            softly.assertThat(strings(shown, null)).as("%s: cues of the subtitle track", player)
                    .anySatisfy(cue -> assertThat(cue).contains(CUE_TEXT));
            // hls.js reads no I-frame playlists; Shaka plays fast forward from them, and must have
            // read every I-frame the playlists list (MPEG-TS: each keyframe; fMP4: one per segment).
            if (player.equals("shaka")) {
                softly.assertThat(ints(report.path("trickPlay").path("iFrames"), null))
                        .as("shaka: I-frames of each variant's trick-mode stream")
                        .containsExactly(iFrameCount(ladder, "144p"), iFrameCount(ladder, "240p"));
                softly.assertThat(report.path("trickPlay").path("played").asBoolean()).as("shaka: fast forward plays")
                        .isTrue();
            }
        }
        softly.assertAll();
    }

    private static int iFrameCount(Path ladder, String variant) throws Exception {
        return (int) Files.readAllLines(ladder.resolve(variant).resolve(IFramePlaylist.NAME)).stream()
                .filter(line -> line.startsWith("#EXTINF:")).count();
    }

    private static final String CUE_TEXT = "Hello from the first cue";

    /**
     * A Matroska clip with an English and a German audio track and an English SRT track whose cues
     * cover the whole clip.
     */
    private static Path languagesClip(String name) throws Exception {
        Path av = SyntheticClip.video(426, 240).seconds(4).audioTracks(2).writeTo(dir.resolve(name + "-av.mp4"));
        Path srt = Files.writeString(dir.resolve(name + ".srt"), "1\n00:00:00,000 --> 00:00:02,500\n" + CUE_TEXT
                + "\n\n2\n00:00:02,500 --> 00:00:04,000\nAnd the second\n\n");
        Path clip = dir.resolve(name + "-languages.mkv");
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", av.toString(),
                "-i", srt.toString(), "-map", "0", "-map", "1", "-c", "copy", "-c:s", "srt",
                "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=ger",
                "-metadata:s:s:0", "language=eng", clip.toString()));
        return clip;
    }

    /** Checks the ladder as files, then plays it in every player and checks what they did. */
    private List<JsonNode> assertPlays(Path clip, Path ladder) throws Exception {
        return assertPlays(clip, ladder, List.of());
    }

    /**
     * As {@link #assertPlays(Path, Path)}, and each player also plays across each of the
     * {@code crossings} (seconds), reporting whether it buffered one unbroken stretch there.
     */
    private List<JsonNode> assertPlays(Path clip, Path ladder, List<Double> crossings) throws Exception {
        LadderAssertions.Ladder checked = LadderAssertions.assertValidLadder(ladder, clip);
        double seconds = Double.parseDouble(Media.run(List.of("ffprobe", "-v", "error", "-show_entries",
                "format=duration", "-of", "csv=p=0", clip.toString()), false).strip());
        return assertPlays(ladder, checked.variants().stream().map(LadderAssertions.Variant::height).toList(), seconds,
                crossings);
    }

    /** Plays a ladder of a 4 s clip in every player and checks what they did; {@code heights} in master order. */
    private List<JsonNode> assertPlays(Path ladder, List<Integer> heights) throws Exception {
        return assertPlays(ladder, heights, 4, List.of());
    }

    private List<JsonNode> assertPlays(Path ladder, List<Integer> heights, double seconds, List<Double> crossings)
            throws Exception {
        List<JsonNode> reports = players.play(dir.relativize(ladder.resolve("master.m3u8")).toString(), crossings);
        SoftAssertions softly = new SoftAssertions();
        for (JsonNode report : reports) {
            String player = report.path("player").asString();
            softly.assertThat(strings(report.path("fatal"))).as("%s: fatal errors", player).isEmpty();
            softly.assertThat(ints(report.path("levels"), "height")).as("%s: levels offered", player)
                    .containsExactlyElementsOf(heights);
            softly.assertThat(ints(report.path("rendered"), null)).as("%s: picture height rendered per level", player)
                    .containsExactlyElementsOf(heights);
            softly.assertThat(report.path("automatic").asBoolean()).as("%s: automatic switching on", player).isTrue();
            softly.assertThat(report.path("automaticPlayed").asBoolean()).as("%s: automatic switching plays", player)
                    .isTrue();
            double duration = report.path("duration").asDouble();
            softly.assertThat(duration).as("%s: duration", player).isCloseTo(seconds, within(0.5));
            softly.assertThat(report.path("seekMiddle").asDouble()).as("%s: played on after a seek to the middle",
                    player).isGreaterThan(duration / 2);
            softly.assertThat(report.path("ended").asBoolean()).as("%s: ended fired after a seek to the end", player)
                    .isTrue();
            report.path("audio").forEach(audio -> softly.assertThat(audio.path("played").asBoolean())
                    .as("%s: plays with audio %s", player, audio).isTrue());
            report.path("subtitles").forEach(subtitles -> softly.assertThat(subtitles.path("active").asBoolean())
                    .as("%s: subtitle track %s selected", player, subtitles).isTrue());
        }
        softly.assertAll();
        assertThat(reports).hasSize(PlayerHarness.PLAYERS.size());
        return reports;
    }

    static List<String> strings(JsonNode array) {
        return strings(array, null);
    }

    static List<String> strings(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add((field == null ? node : node.path(field)).asString()));
        return values;
    }

    static List<Integer> ints(JsonNode array, String field) {
        List<Integer> values = new ArrayList<>();
        array.forEach(node -> values.add((field == null ? node : node.path(field)).asInt()));
        return values;
    }
}
