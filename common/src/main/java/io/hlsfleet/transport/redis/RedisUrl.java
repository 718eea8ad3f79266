package io.hlsfleet.transport.redis;

import io.hlsfleet.transport.BrokerTls;
import java.net.URI;
import java.time.Duration;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * A Redis URL as every part of the fleet connects to it: {@code redis://} or {@code rediss://}
 * (TLS), with an ACL user and password ({@code rediss://user:secret@host:6380/2}) and a database.
 * With TLS the server's certificate is checked against the JVM's trust store and must name the
 * host connected to.
 */
public final class RedisUrl {

    private final String url;
    private final URI uri;
    /** With TLS, made once per URL: every connection of its clients (and every readiness ping) shares it. */
    private final SSLSocketFactory tlsSockets;

    private RedisUrl(String url) {
        this.url = url;
        this.uri = URI.create(url);
        if (!JedisURIHelper.isValid(uri)) {
            throw new IllegalArgumentException("not a Redis URL: " + redacted(url));
        }
        this.tlsSockets = tls() ? BrokerTls.context().getSocketFactory() : null;
    }

    public static RedisUrl parse(String url) {
        return new RedisUrl(url);
    }

    public HostAndPort hostAndPort() {
        return JedisURIHelper.getHostAndPort(uri);
    }

    public boolean tls() {
        return JedisURIHelper.isRedisSSLScheme(uri);
    }

    /** A client configuration with the URL's TLS, credentials and database; the caller adds timeouts. */
    public DefaultJedisClientConfig.Builder clientConfig() {
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder().ssl(tls());
        if (tls()) {
            SSLParameters checkHostName = new SSLParameters();
            checkHostName.setEndpointIdentificationAlgorithm("HTTPS");
            client.sslParameters(checkHostName).sslSocketFactory(tlsSockets);
        }
        String password = JedisURIHelper.getPassword(uri);
        if (password != null) {
            client.user(JedisURIHelper.getUser(uri)).password(password);
        }
        if (JedisURIHelper.hasDbIndex(uri)) {
            client.database(JedisURIHelper.getDBIndex(uri));
        }
        return client;
    }

    /** One connection for a short check (a ping, a version), each wait bounded by {@code timeout}. */
    public Jedis open(Duration timeout) {
        int millis = (int) timeout.toMillis();
        return new Jedis(hostAndPort(), clientConfig().connectionTimeoutMillis(millis).socketTimeoutMillis(millis).build());
    }

    /** The URL for logs and messages: its password replaced by {@code ***}. */
    public String redacted() {
        return redacted(url);
    }

    static String redacted(String url) {
        return url.replaceAll("//[^@/]*@", "//***@");
    }

    @Override
    public String toString() {
        return redacted();
    }
}
