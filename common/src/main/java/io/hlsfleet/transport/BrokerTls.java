package io.hlsfleet.transport;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context of the fleet's own broker clients (the CLI's RabbitMQ connection, every Redis
 * connection): it trusts what the JVM's trust store holds ({@code javax.net.ssl.trustStore}, else
 * the JDK's CA set), read when a client is made rather than once per process.
 */
public final class BrokerTls {

    private BrokerTls() {
    }

    public static SSLContext context() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init((KeyStore) null);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make a TLS context for the broker connection", e);
        }
    }
}
