package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LadderPlannerTest {

    private static final EncodeSettings DEFAULT = EncodeHarness.settings();

    private static List<String> sizes(int width, int height) {
        MediaInfo media = new MediaInfo("mov", width, height, 10, 30, 0, 1);
        return LadderPlanner.plan(media, DEFAULT).stream().map(v -> v.name() + "=" + v.width() + "x" + v.height()).toList();
    }

    @Test
    void fullHdGetsEveryRung() {
        assertThat(sizes(1920, 1080)).containsExactly("360p=640x360", "720p=1280x720", "1080p=1920x1080");
    }

    @Test
    void rungsAboveTheSourceAreDropped() {
        assertThat(sizes(1280, 720)).containsExactly("360p=640x360", "720p=1280x720");
        assertThat(sizes(1000, 700)).containsExactly("360p=514x360");
    }

    @Test
    void sourceBelowTheLowestRungGetsOneRungAtItsOwnSize() {
        assertThat(sizes(320, 180)).containsExactly("180p=320x180");
        assertThat(sizes(321, 181)).containsExactly("180p=320x180");
    }

    @Test
    void portraitIsNamedBySizedByItsShortSide() {
        assertThat(sizes(1080, 1920)).containsExactly("360p=360x640", "720p=720x1280", "1080p=1080x1920");
    }

    @Test
    void oddAndUnusualAspectRatiosGiveEvenSizesNeverAboveTheSource() {
        assertThat(sizes(853, 480)).containsExactly("360p=640x360");
        assertThat(sizes(2560, 1081)).containsExactly("360p=852x360", "720p=1706x720", "1080p=2558x1080");
        for (String size : sizes(1919, 1079)) {
            String[] wh = size.substring(size.indexOf('=') + 1).split("x");
            assertThat(Integer.parseInt(wh[0]) % 2).isZero();
            assertThat(Integer.parseInt(wh[1]) % 2).isZero();
            assertThat(Integer.parseInt(wh[0])).isLessThanOrEqualTo(1919);
        }
    }

    @Test
    void variantsCarryTheirRungsBitratesPresetsAndX264Options() {
        EncodeSettings s = EncodeSettings.from(io.hlsfleet.config.Settings.of(java.util.Map.of(
                "HLSFLEET_ENCODE_RUNGS", "360:360k:540k:720k:slow,720:870k:1305k:1740k::subme=1",
                "HLSFLEET_ENCODE_X264_PARAMS", "aq-mode=2:trellis=1")), 1);
        List<PlannedVariant> plan = LadderPlanner.plan(new MediaInfo("mov", 1280, 720, 10, 30, 0, -1), s);
        assertThat(plan).containsExactly(
                new PlannedVariant("360p", 640, 360, 360, 540, 720, "slow", "aq-mode=2:trellis=1"),
                new PlannedVariant("720p", 1280, 720, 870, 1305, 1740, EncodeSettings.DEFAULT_PRESET,
                        "aq-mode=2:trellis=1:subme=1"));
    }

    @Test
    void profileThatKeepsHdrGivesHdrSourcesTheSameRungsAgainInHdr() {
        MediaInfo.Picture hlg = new MediaInfo.Picture(MediaInfo.Scan.PROGRESSIVE, MediaInfo.Transfer.HLG, "bt2020",
                "bt2020nc", false);
        MediaInfo media = new MediaInfo("mov", 1280, 720, 10, 30, 0, 1, hlg);
        EncodeSettings keep = EncodeHarness.settings("HLSFLEET_ENCODE_PROFILE", "cmaf-hdr");
        assertThat(LadderPlanner.plan(media, keep)).extracting(v -> v.name() + "=" + v.range())
                .containsExactly("360p=SDR", "720p=SDR", "360p-hdr=HLG", "720p-hdr=HLG");
        assertThat(LadderPlanner.plan(media, DEFAULT)).extracting(PlannedVariant::name).containsExactly("360p", "720p");
        // An SDR source has no HDR to keep.
        assertThat(LadderPlanner.plan(new MediaInfo("mov", 1280, 720, 10, 30, 0, 1), keep)).noneMatch(PlannedVariant::hdr);
    }
}
