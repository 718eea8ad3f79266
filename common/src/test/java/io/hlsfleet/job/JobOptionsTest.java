package io.hlsfleet.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.config.WebhookProperties;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobOptionsTest {

    private static final byte[] SECRET = "options test".getBytes(StandardCharsets.UTF_8);

    private static Intake allowing(String... keys) {
        return new Intake(SECRET, false, new JobOptions.Policy(Set.of(keys), WebhookProperties.guard(List.of())));
    }

    private static Job decode(String json) {
        return JobCodec.decode(json.getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD);
    }

    @Test
    void allowedOptionsAreReadAndKeptThroughTheStages() {
        Intake intake = allowing("rungs", "container", "metadata", "encryption", "callbackUrl");
        Job job = intake.admit(decode("""
                {"sourceUrl": "https://x.example/a.mp4", "options": {"rungs": "360:500k", "container": "fmp4",
                 "encryption": false, "callbackUrl": "https://site.example/hooks?token=t",
                 "metadata": {"siteId": "42", "uploader": "ann"}}}
                """));

        assertThat(intake.refusal(job)).isNull();
        JobOptions carried = job.advance(Stage.ENCODE, StageOutputs.NONE).nextAttempt().options();
        assertThat(carried.rungs()).isEqualTo("360:500k");
        assertThat(carried.container()).isEqualTo("fmp4");
        assertThat(carried.encryption()).isFalse();
        assertThat(carried.callbackUrl()).isEqualTo("https://site.example/hooks?token=t");
        assertThat(carried.metadata()).containsExactly(Map.entry("siteId", "42"), Map.entry("uploader", "ann"));
        Job again = JobCodec.decode(JobCodec.encode(job.advance(Stage.ENCODE, StageOutputs.NONE)), Stage.ENCODE);
        assertThat(again.options()).isEqualTo(carried);
    }

    @Test
    void anUnknownOptionIsRefusedNamingItAndTheKnownOnes() {
        Job job = allowing("container").admit(decode("""
                {"sourceUrl": "https://x.example/a.mp4", "options": {"container": "fmp4", "colour": "red"}}
                """));

        assertThat(allowing("container").refusal(job))
                .isEqualTo("refused at intake: unknown option 'colour'; the options are profile, rungs, encryption,"
                        + " container, callbackUrl, metadata");
    }

    @Test
    void anOptionTheOperatorDoesNotAllowIsRefusedNamingTheSetting() {
        Job job = decode("""
                {"sourceUrl": "https://x.example/a.mp4", "options": {"rungs": "2160:40M"}}
                """);

        assertThat(allowing("container").refusal(job)).isEqualTo("refused at intake: option 'rungs' is not allowed by"
                + " this fleet's operator (HLSFLEET_INTAKE_ALLOWED_OPTIONS allows container)");
        assertThat(allowing().refusal(job)).contains("HLSFLEET_INTAKE_ALLOWED_OPTIONS is empty");
        assertThat(allowing().refusal(decode("{\"sourceUrl\": \"https://x.example/a.mp4\"}"))).isNull();
    }

    @Test
    void aCallbackToTheMetadataServiceOrLoopbackIsRefused() {
        Intake intake = allowing("callbackUrl");
        assertThat(intake.refusal(decode("""
                {"sourceUrl": "https://x.example/a.mp4", "options": {"callbackUrl": "http://169.254.169.254/latest"}}
                """))).contains("callbackUrl refused", "169.254.169.254", "link-local",
                "HLSFLEET_WEBHOOK_ALLOWED_NETWORKS=169.254.169.254/32");
        assertThat(intake.refusal(decode("""
                {"sourceUrl": "https://x.example/a.mp4", "options": {"callbackUrl": "http://2130706433/"}}
                """))).contains("non-standard form");
        assertThat(intake.refusal(decode("""
                {"sourceUrl": "https://x.example/a.mp4", "options": {"callbackUrl": "file:///etc/passwd"}}
                """))).contains("only http and https");
    }

    @Test
    void valuesOfTheWrongFormAreRefusedWithTheirReason() {
        Intake intake = allowing("container", "rungs", "metadata");
        assertThat(intake.refusal(decode("""
                {"sourceUrl": "https://x.example/a.mp4", "options": {"container": "avi"}}
                """))).contains("container='avi' is not ts or fmp4");
        assertThat(intake.refusal(decode("""
                {"sourceUrl": "https://x.example/a.mp4", "options": {"rungs": "360; rm -rf /"}}
                """))).contains("is not a rung list");
    }

    @Test
    void submitOptionsParseFromPairs() {
        JobOptions options = JobOptions.parse(Map.of("container", "ts", "encryption", "off", "metadata.site", "7"));
        assertThat(options.container()).isEqualTo("ts");
        assertThat(options.encryption()).isFalse();
        assertThat(options.metadata()).containsExactly(Map.entry("site", "7"));
        assertThat(JobOptions.parse(Map.of("colour", "red")).unknown()).containsExactly("colour");
    }
}
