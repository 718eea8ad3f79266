package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.hlsfleet.job.JobFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Parsing of ffprobe's JSON, on trimmed real ffprobe output; the probe's time limit. */
class ProberTest {

    @TempDir
    Path tmp;

    /** An ffprobe that hangs with its output open is stopped at the time limit, as a retryable failure. */
    @Test
    void hungProbeIsStoppedAtItsTimeLimit() throws Exception {
        Path hanging = tmp.resolve("ffprobe");
        Files.writeString(hanging, "#!/bin/sh\nexec sleep 60\n");
        Files.setPosixFilePermissions(hanging, PosixFilePermissions.fromString("rwx------"));
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        Path source = Files.write(tmp.resolve("source.bin"), noise);

        long started = System.nanoTime();
        JobFailure failure = catchThrowableOfType(JobFailure.class, () -> new Prober(hanging.toString(), "ffmpeg",
                Admission.Limits.DEFAULT, Duration.ofSeconds(1)).probe(source));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.reason()).contains("did not finish within 1 s");
        assertThat(took).isLessThan(Duration.ofSeconds(20));
    }

    private static JsonNode json(String text) {
        return JsonMapper.builder().build().readTree(text);
    }

    private static final String ROTATED = """
            {"streams":[{"index":0,"codec_name":"h264","codec_type":"video","width":1920,"height":1080,
              "avg_frame_rate":"30/1","r_frame_rate":"30/1",
              "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]},
             {"index":1,"codec_name":"aac","codec_type":"audio","disposition":{"default":1}}],
             "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"12.5"}}""";

    @Test
    void rotationSwapsWidthAndHeight() throws Exception {
        MediaInfo media = Prober.parse(json(ROTATED));
        assertThat(media.width()).isEqualTo(1080);
        assertThat(media.height()).isEqualTo(1920);
        assertThat(media.portrait()).isTrue();
        assertThat(media.durationSeconds()).isEqualTo(12.5);
        assertThat(media.frameRate()).isEqualTo(30);
        assertThat(media.audioStream()).isEqualTo(1);
    }

    @Test
    void oldStyleRotateTagIsHonouredToo() throws Exception {
        MediaInfo media = Prober.parse(json("""
                {"streams":[{"index":0,"codec_name":"h264","codec_type":"video","width":640,"height":360,
                  "avg_frame_rate":"25/1","tags":{"rotate":"270"}}],
                 "format":{"format_name":"mov,mp4","duration":"3"}}"""));
        assertThat(media.width()).isEqualTo(360);
        assertThat(media.hasAudio()).isFalse();
    }

    @Test
    void defaultAudioTrackWinsOverTheFirstAndCoverArtIsNotTheVideo() throws Exception {
        MediaInfo media = Prober.parse(json("""
                {"streams":[{"index":0,"codec_name":"mjpeg","codec_type":"video","width":600,"height":600,
                   "disposition":{"attached_pic":1}},
                  {"index":1,"codec_name":"aac","codec_type":"audio","disposition":{"default":0}},
                  {"index":2,"codec_name":"h264","codec_type":"video","width":1280,"height":720,"avg_frame_rate":"24/1"},
                  {"index":3,"codec_name":"aac","codec_type":"audio","disposition":{"default":1}},
                  {"index":4,"codec_name":"aac","codec_type":"audio","disposition":{"default":1}}],
                 "format":{"format_name":"matroska,webm","duration":"60"}}"""));
        assertThat(media.videoStream()).isEqualTo(2);
        assertThat(media.audioStream()).isEqualTo(3);
        assertThat(media.width()).isEqualTo(1280);
    }

    @Test
    void variableFrameRateDeclaresTheHighestRate() throws Exception {
        MediaInfo media = Prober.parse(json("""
                {"streams":[{"index":0,"codec_name":"h264","codec_type":"video","width":640,"height":360,
                  "avg_frame_rate":"41/2","r_frame_rate":"30/1"}],
                 "format":{"format_name":"mov","duration":"4"}}"""));
        assertThat(media.frameRate()).isEqualTo(30);
        MediaInfo mkv = Prober.parse(json("""
                {"streams":[{"index":0,"codec_name":"h264","codec_type":"video","width":640,"height":360,
                  "avg_frame_rate":"25/1","r_frame_rate":"1000/1"}],
                 "format":{"format_name":"matroska,webm","duration":"4"}}"""));
        assertThat(mkv.frameRate()).isEqualTo(25);
    }

    @Test
    void nonSquarePixelsWidenTheDisplayedPicture() throws Exception {
        MediaInfo media = Prober.parse(json("""
                {"streams":[{"index":0,"codec_name":"mpeg2video","codec_type":"video","width":720,"height":576,
                  "sample_aspect_ratio":"64:45","field_order":"tt","avg_frame_rate":"25/1"}],
                 "format":{"format_name":"mpegts","duration":"4"}}"""));
        assertThat(media.width()).isEqualTo(1024);
        assertThat(media.height()).isEqualTo(576);
        assertThat(media.picture().scan()).isEqualTo(MediaInfo.Scan.TOP_FIELD_FIRST);
        assertThat(media.picture().hdr()).isFalse();
    }

    @Test
    void fieldOrderComesFromTheContainerWhenItKnows() throws Exception {
        assertThat(scan("\"field_order\":\"bb\",\"codec_name\":\"h264\"")).isEqualTo(MediaInfo.Scan.BOTTOM_FIELD_FIRST);
        assertThat(scan("\"field_order\":\"progressive\",\"codec_name\":\"h264\"")).isEqualTo(MediaInfo.Scan.PROGRESSIVE);
        assertThat(scan("\"codec_name\":\"mpeg4\"")).isEqualTo(MediaInfo.Scan.UNKNOWN);
        assertThat(scan("\"field_order\":\"unknown\",\"codec_name\":\"vp9\"")).isEqualTo(MediaInfo.Scan.PROGRESSIVE);
    }

    @Test
    void rgbPicturesAreRecognisedByTheirPixelFormatEvenUntagged() throws Exception {
        assertThat(picture("\"pix_fmt\":\"rgb24\",\"color_space\":\"unknown\"").rgb()).isTrue();
        assertThat(picture("\"pix_fmt\":\"bgra\"").rgb()).isTrue();
        assertThat(picture("\"pix_fmt\":\"gbrp10le\",\"color_space\":\"gbr\"").rgb()).isTrue();
        assertThat(picture("\"pix_fmt\":\"pal8\"").rgb()).isTrue();
        MediaInfo.Picture yuv = picture("\"pix_fmt\":\"yuv444p\",\"color_space\":\"bt709\"");
        assertThat(yuv.rgb()).isFalse();
        assertThat(yuv.matrix()).isEqualTo("bt709");
        assertThat(picture("\"pix_fmt\":\"gray\"").rgb()).isFalse();
    }

    private static MediaInfo.Picture picture(String fields) throws Exception {
        return Prober.parse(json("{\"streams\":[{\"index\":0,\"codec_name\":\"png\",\"codec_type\":\"video\","
                + "\"width\":640,\"height\":480," + fields + "}],\"format\":{\"format_name\":\"mov\",\"duration\":\"4\"}}")).picture();
    }

    private static MediaInfo.Scan scan(String fields) throws Exception {
        return Prober.parse(json("{\"streams\":[{\"index\":0,\"codec_type\":\"video\",\"width\":640,\"height\":480,"
                + fields + "}],\"format\":{\"format_name\":\"avi\",\"duration\":\"4\"}}")).picture().scan();
    }

    @Test
    void hdrTransfersAndDolbyVisionBaseLayers() throws Exception {
        MediaInfo hlg = Prober.parse(json("""
                {"streams":[{"index":0,"codec_name":"hevc","codec_type":"video","width":3840,"height":2160,
                  "color_range":"tv","color_space":"bt2020nc","color_transfer":"arib-std-b67","color_primaries":"bt2020",
                  "field_order":"progressive"}],
                 "format":{"format_name":"mov","duration":"4"}}"""));
        assertThat(hlg.picture()).isEqualTo(new MediaInfo.Picture(MediaInfo.Scan.PROGRESSIVE, MediaInfo.Transfer.HLG,
                "bt2020", "bt2020nc", false));
        assertThat(dolbyVision(1).transfer()).isEqualTo(MediaInfo.Transfer.PQ);
        assertThat(dolbyVision(4).transfer()).isEqualTo(MediaInfo.Transfer.HLG);
        assertThat(dolbyVision(2).transfer()).isEqualTo(MediaInfo.Transfer.SDR);
        JobFailure profile5 = catchThrowableOfType(JobFailure.class, () -> dolbyVision(0));
        assertThat(profile5.retryable()).isFalse();
        assertThat(profile5.reason()).contains("Dolby Vision profile 5").contains("no HDR10, HLG or SDR base layer");
    }

    @Test
    void hdr10MetadataIsReadInTheSyntaxOfX265() throws Exception {
        MediaInfo pq = Prober.parse(json("""
                {"streams":[{"index":0,"codec_name":"hevc","codec_type":"video","width":1920,"height":1080,
                  "color_transfer":"smpte2084","color_primaries":"bt2020","field_order":"progressive",
                  "side_data_list":[{"side_data_type":"Mastering display metadata","red_x":"34000/50000",
                  "red_y":"16000/50000","green_x":"13250/50000","green_y":"34500/50000","blue_x":"7500/50000",
                  "blue_y":"3000/50000","white_point_x":"15635/50000","white_point_y":"16450/50000",
                  "min_luminance":"50/10000","max_luminance":"10000000/10000"},
                  {"side_data_type":"Content light level metadata","max_content":1000,"max_average":400}]}],
                 "format":{"format_name":"mov","duration":"4"}}"""));
        assertThat(pq.picture().masterDisplay())
                .isEqualTo("G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)");
        assertThat(pq.picture().contentLight()).isEqualTo("1000,400");
        assertThat(dolbyVision(1).masterDisplay()).isEmpty();
    }

    /** A Dolby Vision stream whose base layer has this compatibility id (0 for profile 5), untagged itself. */
    private static MediaInfo.Picture dolbyVision(int compatibility) throws Exception {
        return Prober.parse(json("""
                {"streams":[{"index":0,"codec_name":"hevc","codec_type":"video","width":1920,"height":1080,
                  "field_order":"progressive","side_data_list":[{"side_data_type":"DOVI configuration record",
                  "dv_profile":%d,"dv_level":6,"bl_present_flag":1,"dv_bl_signal_compatibility_id":%d}]}],
                 "format":{"format_name":"mov","duration":"4"}}""".formatted(compatibility == 0 ? 5 : 8, compatibility)))
                .picture();
    }

    @Test
    void refusals() {
        assertThat(refusal("""
                {"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":640,"height":360}],
                 "format":{"format_name":"hls","duration":"4"}}""")).contains("container (hls) is not accepted");
        assertThat(refusal("""
                {"streams":[{"index":0,"codec_type":"audio","codec_name":"aac"}],
                 "format":{"format_name":"mov","duration":"4"}}""")).isEqualTo("the file has no video stream (it is audio only)");
        assertThat(refusal("""
                {"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":640,"height":360,"nb_frames":"1"}],
                 "format":{"format_name":"mov","duration":"0.04"}}""")).contains("single picture");
        assertThat(refusal("""
                {"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":640,"height":360}],
                 "format":{"format_name":"mov"}}""")).contains("duration is unknown");
    }

    private static String refusal(String probe) {
        JobFailure failure = catchThrowableOfType(JobFailure.class, () -> Prober.parse(json(probe)));
        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isFalse();
        return failure.reason();
    }

    @Test
    void firstLineDropsTheStagedPathAndDemuxerPrefix() {
        assertThat(Prober.firstLine("file:/staging/jobs/x/source: Invalid data found when processing input\n"))
                .isEqualTo("Invalid data found when processing input");
        assertThat(Prober.firstLine("[mov,mp4 @ 0x55] moov atom not found\n")).isEqualTo("moov atom not found");
    }
}
