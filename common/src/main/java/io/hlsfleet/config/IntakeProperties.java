package io.hlsfleet.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who decides a job's identity on the intake queue ({@code io.hlsfleet.job.Intake}).
 *
 * @param secret {@code HLSFLEET_INTAKE_SECRET}: key of the seal that marks the fleet's own jobs; the
 *        same on every worker and CLI. Unset, the key is derived from the broker passwords
 * @param acceptVideoId {@code HLSFLEET_INTAKE_ACCEPT_VIDEO_ID}: let a job on the intake queue name
 *        its own video id, for operators whose tools choose ids; otherwise the id comes from the URL
 */
@ConfigurationProperties("hlsfleet.intake")
public record IntakeProperties(String secret, @DefaultValue("false") boolean acceptVideoId) {

    public IntakeProperties {
        secret = secret == null || secret.isBlank() ? null : secret.strip();
    }
}
