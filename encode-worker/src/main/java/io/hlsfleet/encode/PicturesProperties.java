package io.hlsfleet.encode;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * The pictures published beside every ladder, {@code hlsfleet.pictures.*}
 * ({@code HLSFLEET_PICTURES_*}); what they become is {@link Pictures.Settings}.
 *
 * @param enabled make a poster and a storyboard for every video
 * @param posterHeight the poster's short side, never above the source's
 * @param storyboardInterval one storyboard thumbnail every this long (a bare number is seconds)
 * @param storyboardWidth width of a storyboard thumbnail; its height follows the displayed aspect
 * @param storyboardGrid thumbnails per sprite sheet, {@code COLUMNSxROWS}
 */
@ConfigurationProperties("hlsfleet.pictures")
public record PicturesProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("720") int posterHeight,
        @DefaultValue("5s") @DurationUnit(ChronoUnit.SECONDS) Duration storyboardInterval,
        @DefaultValue("160") int storyboardWidth,
        @DefaultValue("5x5") String storyboardGrid) {
}
