package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.JobOptions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EncodeSettingsTest {

    private static EncodeSettings from(Map<String, String> env) {
        return EncodeSettings.from(Settings.of(env), 1);
    }

    @Test
    void defaultsAreTheDefaultLadder() {
        EncodeSettings s = from(Map.of());
        assertThat(s.profile().rungs()).extracting(Rung::height).containsExactly(360, 720, 1080);
        assertThat(s.profile().rungs()).extracting(Rung::videoKbps).containsExactly(360, 870, 2100);
        assertThat(s.profile().audioKbps()).isEqualTo(128);
        assertThat(s.profile().segmentSeconds()).isEqualTo(6);
        assertThat(s.profile().container()).isEqualTo(Container.MPEGTS);
        assertThat(s.encode().stallTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(s.limits()).isEqualTo(Admission.Limits.DEFAULT);
    }

    @Test
    void aJobsOptionsReplaceTheOperatorsLadderPartsAndKeepTheRest() throws Exception {
        EncodeSettings operator = from(Map.of("HLSFLEET_ENCODE_AUDIO_BITRATE", "96k"));
        assertThat(operator.forJob(JobOptions.NONE)).isSameAs(operator);

        EncodeSettings job = operator.forJob(JobOptions.parse(Map.of("container", "fmp4", "rungs", "240:300k,480:800k")));
        assertThat(job.profile().container()).isEqualTo(Container.FMP4);
        assertThat(job.profile().rungs()).extracting(Rung::height).containsExactly(240, 480);
        assertThat(job.profile().audioKbps()).isEqualTo(96);
        assertThat(operator.forJob(JobOptions.parse(Map.of("profile", "uhd"))).profile().rungs()).extracting(Rung::height)
                .containsExactly(360, 720, 1080, 1440, 2160);
    }

    @Test
    void aJobOptionTheEncoderCannotUseFailsTheJobForGoodWithTheReason() {
        EncodeSettings operator = from(Map.of());
        assertThatThrownBy(() -> operator.forJob(JobOptions.parse(Map.of("profile", "hdr"))))
                .isInstanceOfSatisfying(JobFailure.class, failure -> assertThat(failure.retryable()).isFalse())
                .hasMessageContaining("option profile=hdr is not one of [cmaf, cmaf-hdr, default, uhd]");
        assertThatThrownBy(() -> operator.forJob(JobOptions.parse(Map.of("rungs", "720"))))
                .isInstanceOf(JobFailure.class).hasMessageContaining("option rungs: rung '720'");
    }

    @Test
    void rungsFromTheCompactSyntax() {
        EncodeSettings s = from(Map.of("HLSFLEET_ENCODE_RUNGS", "720:870k:1305k:1740k:fast, 360p:360:540:720:slow,1080:2.1M"));
        assertThat(s.profile().rungs()).containsExactly(
                new Rung(360, 360, 540, 720, "slow"),
                new Rung(720, 870, 1305, 1740, "fast"),
                new Rung(1080, 2100, 3150, 4200, null));
        assertThat(s.presetFor(s.profile().rungs().get(0))).isEqualTo("slow");
        assertThat(s.presetFor(s.profile().rungs().get(2))).isEqualTo(EncodeSettings.DEFAULT_PRESET);
    }

    @Test
    void aRungsX264OptionsComeAfterThoseForEveryRungAndOnlyTheOperatorMayNameThem() throws Exception {
        EncodeSettings s = from(Map.of("HLSFLEET_ENCODE_RUNGS", "720:870k:1305k:1740k:faster,"
                + "1080:2.1M:3.15M:4.2M:veryfast:subme=1:trellis=0", "HLSFLEET_ENCODE_X264_PARAMS", "aq-mode=2:trellis=1"));
        Rung rung720 = s.profile().rungs().get(0);
        Rung rung1080 = s.profile().rungs().get(1);
        assertThat(rung1080).isEqualTo(new Rung(1080, 2100, 3150, 4200, "veryfast", "subme=1:trellis=0"));
        assertThat(s.x264ParamsFor(rung720)).isEqualTo("aq-mode=2:trellis=1");
        assertThat(s.x264ParamsFor(rung1080)).isEqualTo("aq-mode=2:trellis=1:subme=1:trellis=0");
        assertThat(from(Map.of("HLSFLEET_ENCODE_X264_PARAMS", "")).x264ParamsFor(rung1080))
                .isEqualTo("subme=1:trellis=0");

        // A job's rungs reach the encoder too; x264 options such as stats= name files it writes.
        assertThatThrownBy(() -> s.forJob(JobOptions.parse(Map.of("rungs", "720:870k:1305k:1740k:fast:stats=x"))))
                .isInstanceOf(JobFailure.class)
                .hasMessageContaining("names x264 options, which only the operator's HLSFLEET_ENCODE_RUNGS may");
    }

    @Test
    void anExplicitPresetOverridesRungPresets() {
        EncodeSettings s = from(Map.of("HLSFLEET_ENCODE_RUNGS", "360:360k:540k:720k:slow", "HLSFLEET_ENCODE_PRESET", "ultrafast"));
        assertThat(s.presetFor(s.profile().rungs().getFirst())).isEqualTo("ultrafast");
    }

    @Test
    void namedProfilesAndOverrides() {
        EncodeSettings s = from(Map.of("HLSFLEET_ENCODE_PROFILE", "cmaf", "HLSFLEET_ENCODE_AUDIO_BITRATE", "96k",
                "HLSFLEET_ENCODE_SEGMENT_SECONDS", "4", "HLSFLEET_ENCODE_H264_PROFILE", "Main",
                "HLSFLEET_ENCODE_H264_LEVEL", "4.0"));
        assertThat(s.profile().container()).isEqualTo(Container.FMP4);
        assertThat(s.profile().audioKbps()).isEqualTo(96);
        assertThat(s.profile().segmentSeconds()).isEqualTo(4);
        assertThat(s.profile().h264Profile()).isEqualTo("main");
        assertThat(s.profile().h264Level()).isEqualTo("4.0");
        assertThat(from(Map.of("HLSFLEET_ENCODE_PROFILE", "uhd")).profile().rungs()).extracting(Rung::height)
                .containsExactly(360, 720, 1080, 1440, 2160);
    }

    @Test
    void badValuesNameTheVariable() {
        assertThatThrownBy(() -> from(Map.of("HLSFLEET_ENCODE_RUNGS", "720:fast"))).hasMessageContaining("HLSFLEET_ENCODE_RUNGS");
        assertThatThrownBy(() -> from(Map.of("HLSFLEET_ENCODE_PROFILE", "huge"))).hasMessageContaining("HLSFLEET_ENCODE_PROFILE");
        assertThatThrownBy(() -> from(Map.of("HLSFLEET_ENCODE_CONTAINER", "avi"))).hasMessageContaining("HLSFLEET_ENCODE_CONTAINER");
        assertThatThrownBy(() -> from(Map.of("HLSFLEET_ENCODE_H264_PROFILE", "high10"))).hasMessageContaining("H.264 profile");
        assertThatThrownBy(() -> from(Map.of("HLSFLEET_ENCODE_RUNGS", "720:900k:800k"))).hasMessageContaining("720");
    }

    @Test
    void timeLimitScalesWithDurationAboveTheMinimum() {
        EncodeSettings s = from(Map.of());
        assertThat(s.timeLimit(10)).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.timeLimit(3600)).isEqualTo(Duration.ofHours(20));
    }

    /** Even the longest source admission lets in ends its encode before RabbitMQ's consumer timeout. */
    @Test
    void onRabbitMqTheLongestEncodeEndsBeforeTheConsumerTimeout() {
        EncodeSettings defaults = from(Map.of());
        assertThat(defaults.largestTimeLimit()).as("4 h at 20x").isEqualTo(Duration.ofHours(80));

        EncodeSettings rabbit = defaults.within(Duration.ofHours(24));

        assertThat(rabbit.largestTimeLimit()).isLessThan(Duration.ofHours(24)).isEqualTo(Duration.ofMinutes(1296));
        assertThat(rabbit.timeLimit(3600)).isEqualTo(Duration.ofHours(20));
        assertThatThrownBy(() -> from(Map.of("HLSFLEET_ENCODE_MIN_TIME_LIMIT", "2h")).within(Duration.ofHours(2)))
                .hasMessageContaining("HLSFLEET_CONSUMER_TIMEOUT").hasMessageContaining("HLSFLEET_ENCODE_MIN_TIME_LIMIT");
    }

    @Test
    void multichannelCodecAndHdrLadderComeFromTheProfileOrTheirSettings() {
        EncodeSettings defaults = from(Map.of());
        assertThat(defaults.profile().surround()).isEqualTo(LadderProfile.Surround.EAC3);
        assertThat(defaults.profile().surroundKbps()).isEqualTo(192);
        assertThat(defaults.profile().keepHdr()).isFalse();
        EncodeSettings ac3 = from(Map.of("HLSFLEET_ENCODE_SURROUND", "ac3"));
        assertThat(ac3.profile().surround()).isEqualTo(LadderProfile.Surround.AC3);
        assertThat(ac3.profile().surroundKbps()).isEqualTo(384);
        assertThat(from(Map.of("HLSFLEET_ENCODE_SURROUND", "eac3", "HLSFLEET_ENCODE_SURROUND_BITRATE", "256k"))
                .profile().surroundKbps()).isEqualTo(256);
        assertThat(from(Map.of("HLSFLEET_ENCODE_PROFILE", "cmaf-hdr")).profile().keepHdr()).isTrue();
        assertThat(from(Map.of("HLSFLEET_ENCODE_KEEP_HDR", "true", "HLSFLEET_ENCODE_CONTAINER", "fmp4")).profile()
                .keepHdr()).isTrue();
        assertThatThrownBy(() -> from(Map.of("HLSFLEET_ENCODE_KEEP_HDR", "true")))
                .hasMessageContaining("must be fMP4");
        assertThatThrownBy(() -> from(Map.of("HLSFLEET_ENCODE_SURROUND", "dts")))
                .hasMessageContaining("HLSFLEET_ENCODE_SURROUND=dts is not eac3, ac3 or none");
    }
}
