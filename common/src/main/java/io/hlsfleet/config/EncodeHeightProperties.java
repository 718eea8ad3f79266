package io.hlsfleet.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The tallest picture the encoder admits, {@code hlsfleet.encode.max-height}
 * ({@code HLSFLEET_ENCODE_MAX_HEIGHT}). It lives here, beside the encoder's other settings in
 * name only, because two stages obey it: the encoder refuses taller sources, and page resolution
 * in the download stage never picks a taller format.
 *
 * @param maxHeight admission limit on the short side of the picture
 */
@ConfigurationProperties("hlsfleet.encode")
public record EncodeHeightProperties(@DefaultValue("4320") int maxHeight) {
}
