package io.hlsfleet.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class S3LocationTest {

    @Test
    void parsesBucketAndPrefix() {
        assertThat(S3Location.parse("s3://videos")).isEqualTo(new S3Location("videos", ""));
        assertThat(S3Location.parse("s3://videos/")).isEqualTo(new S3Location("videos", ""));
        assertThat(S3Location.parse("S3://videos/cdn/v1/")).isEqualTo(new S3Location("videos", "cdn/v1"));
        assertThat(S3Location.parse("s3://videos/cdn/v1").uri()).isEqualTo("s3://videos/cdn/v1");
    }

    @Test
    void keysGoUnderThePrefix() {
        assertThat(S3Location.parse("s3://videos").key("abc/master.m3u8")).isEqualTo("abc/master.m3u8");
        assertThat(S3Location.parse("s3://videos/cdn").key("abc/master.m3u8")).isEqualTo("cdn/abc/master.m3u8");
        assertThat(S3Location.parse("s3://videos/cdn").directory("jobs/1")).isEqualTo("cdn/jobs/1/");
    }

    @Test
    void keysThatWouldLeaveThePrefixAreRefused() {
        S3Location location = S3Location.parse("s3://videos/cdn");
        for (String key : new String[] {"../other/x", "a/../../x", "/abs", "a//b", "a/./b", "", "a/", "a\\b", "a\nb"}) {
            assertThatThrownBy(() -> location.key(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void badLocationsAreRefused() {
        for (String location : new String[] {"videos/x", "s3://", "s3://Videos", "s3://a", "s3://bad_bucket/x",
                "s3://videos/../x", "s3://videos//x", "s3://a..b/x"}) {
            assertThatThrownBy(() -> S3Location.parse(location)).as(location).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
