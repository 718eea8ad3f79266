package io.hlsfleet.boot;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.storage.s3.S3ObjectStore;
import io.hlsfleet.storage.s3.S3StagingArea;
import io.hlsfleet.transport.redis.RedisUrl;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import redis.clients.jedis.Jedis;

/**
 * Readiness checks for what a worker needs besides its broker (whose RabbitMQ check comes with
 * Spring Boot). A worker that cannot write its staging area, reach its bucket or reach a Redis
 * broker would only fail the jobs it takes, so it should not be taking them.
 */
final class StoreHealthIndicators {

    private StoreHealthIndicators() {
    }

    /**
     * Staging is writable: a small file is stored and deleted again. Its key names this host and
     * process and adds a random part, because containers usually share PID 1 and several pods'
     * probes would otherwise overwrite and delete each other's file; it is deleted whatever happens.
     * It lies at the top of the staging area, so no probe's clean-up removes a folder another
     * probe is about to write into.
     */
    static HealthIndicator staging(StagingArea staging) {
        String owner = probeOwner();
        return () -> {
            String key = "health-probe-" + owner + "-" + UUID.randomUUID();
            Path scratch = null;
            try {
                scratch = staging.newScratch("health-" + owner);
                Path probe = Files.writeString(scratch.resolve("probe"), "ok");
                staging.store(key, probe);
                return withIntegrity(Health.up(), staging).build();
            } catch (Exception e) {
                return withIntegrity(Health.down(e), staging).build();
            } finally {
                deleteQuietly(staging, key);
                if (scratch != null) {
                    staging.deleteScratch(scratch);
                }
            }
        };
    }

    /** {@code <host>-<pid>}, made a safe key segment. */
    static String probeOwner() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "host";
            }
        }
        return host.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + ProcessHandle.current().pid();
    }

    private static void deleteQuietly(StagingArea staging, String key) {
        try {
            staging.delete(key);
        } catch (IOException | RuntimeException e) {
            // The store is failing, and the probe says so; the leftover is one small health-probe file.
        }
    }

    /** The bucket answers: asking whether an object exists must not fail. Nothing is written. */
    static HealthIndicator bucket(ObjectStore bucket) {
        return () -> {
            try {
                bucket.exists(".hlsfleet-health");
                return withIntegrity(Health.up().withDetail("bucket", bucket.describe()), bucket).build();
            } catch (Exception e) {
                return withIntegrity(Health.down(e).withDetail("bucket", bucket.describe()), bucket).build();
            }
        };
    }

    /** An S3 store's upload integrity mode, so readiness shows what protects the uploads. */
    private static Health.Builder withIntegrity(Health.Builder health, Object store) {
        if (store instanceof S3ObjectStore s3) {
            health.withDetail("integrity", s3.integrity());
        } else if (store instanceof S3StagingArea s3) {
            health.withDetail("integrity", s3.integrity());
        }
        return health;
    }

    /** The Redis broker answers PING within two seconds. */
    static HealthIndicator redis(FleetConfig config) {
        RedisUrl url = RedisUrl.parse(config.redisUrl());
        return () -> {
            try (Jedis jedis = url.open(Duration.ofSeconds(2))) {
                String pong = jedis.ping();
                return "PONG".equals(pong) ? Health.up().build() : Health.down().withDetail("ping", pong).build();
            } catch (RuntimeException e) {
                return Health.down(e).build();
            }
        };
    }
}
