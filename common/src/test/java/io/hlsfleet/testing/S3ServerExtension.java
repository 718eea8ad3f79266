package io.hlsfleet.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An {@link S3Server} for the tests of one class, started before the first and stopped after the
 * last, with the buckets the class works in already created:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final S3ServerExtension S3 = S3ServerExtension.current("staging", "cdn");
 * ... S3.server().admin() ...
 * }</pre>
 */
public final class S3ServerExtension implements BeforeAllCallback, AfterAllCallback {

    private final boolean legacy;
    private final List<String> buckets;
    private S3Server server;

    private S3ServerExtension(boolean legacy, List<String> buckets) {
        this.legacy = legacy;
        this.buckets = buckets;
    }

    /** The current S3Proxy in the test JVM ({@link S3Server#start()}). */
    public static S3ServerExtension current(String... buckets) {
        return new S3ServerExtension(false, List.of(buckets));
    }

    /** S3Proxy {@value S3Server#LEGACY_VERSION} as a process of its own ({@link S3Server#startLegacy()}). */
    public static S3ServerExtension legacy(String... buckets) {
        return new S3ServerExtension(true, List.of(buckets));
    }

    /** The running server; only between the class's first and last test. */
    public S3Server server() {
        if (server == null) {
            throw new IllegalStateException("the S3 server runs only while the tests of its class run");
        }
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = legacy ? S3Server.startLegacy() : S3Server.start();
        buckets.forEach(server::createBucket);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
