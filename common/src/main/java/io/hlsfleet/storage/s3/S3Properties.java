package io.hlsfleet.storage.s3;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * What the S3 SDK has no standard name for (endpoint, region and credentials are the SDK's own
 * {@code AWS_*} configuration, see {@link S3Settings}).
 *
 * @param pathStyle path-style addressing ({@code host/bucket}) for MinIO, Ceph, S3Proxy
 * @param acl canned ACL for published objects, e.g. {@code public-read} when players read the bucket directly
 * @param maxConnections connection pool of each S3 client
 * @param multipartThreshold objects above this are uploaded in parts
 * @param partSize size of one part of a multipart upload (at least 5MB, S3's smallest part)
 * @param partConcurrency parts of one object uploaded at once
 * @param maxAttempts attempts per S3 request; 5xx, throttling and broken connections are retried
 * @param integrity how every put and part is protected: {@code crc32}, {@code md5} or {@code none}
 *        (see {@link S3Integrity})
 */
@ConfigurationProperties("hlsfleet.s3")
public record S3Properties(
        @DefaultValue("false") boolean pathStyle,
        String acl,
        @DefaultValue("64") int maxConnections,
        @DefaultValue("16MB") DataSize multipartThreshold,
        @DefaultValue("16MB") DataSize partSize,
        @DefaultValue("4") int partConcurrency,
        @DefaultValue("5") int maxAttempts,
        @DefaultValue("crc32") String integrity) {

    public S3Properties {
        acl = acl == null || acl.isBlank() ? null : acl.strip();
    }
}
