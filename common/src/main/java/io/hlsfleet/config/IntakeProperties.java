package io.hlsfleet.config;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who decides a job's identity on the intake queue ({@code io.hlsfleet.job.Intake}).
 *
 * @param secret {@code HLSFLEET_INTAKE_SECRET}: key of the seal that marks the fleet's own jobs; the
 *        same on every worker and CLI. Unset, the key is derived from the broker passwords
 * @param acceptVideoId {@code HLSFLEET_INTAKE_ACCEPT_VIDEO_ID}: let a job on the intake queue name
 *        its own video id, for operators whose tools choose ids; otherwise the id comes from the URL
 * @param allowedOptions {@code HLSFLEET_INTAKE_ALLOWED_OPTIONS}: the per-job options a job may set
 *        ({@code profile}, {@code rungs}, {@code encryption}, {@code container}, {@code callbackUrl},
 *        {@code metadata}); none by default, and a job setting another is refused at the intake
 */
@ConfigurationProperties("hlsfleet.intake")
public record IntakeProperties(String secret, @DefaultValue("false") boolean acceptVideoId,
        List<String> allowedOptions) {

    public IntakeProperties {
        secret = secret == null || secret.isBlank() ? null : secret.strip();
        allowedOptions = allowedOptions == null ? List.of()
                : allowedOptions.stream().map(String::strip).filter(key -> !key.isEmpty()).toList();
    }
}
