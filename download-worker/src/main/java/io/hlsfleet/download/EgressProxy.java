package io.hlsfleet.download;

import io.hlsfleet.net.RefusedDestination;
import io.hlsfleet.net.SsrfGuard;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ConnectHandler;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An HTTP proxy on the loopback interface through which a helper program (yt-dlp) makes every
 * connection, so that the SSRF guard decides each of them: {@code CONNECT} tunnels (https) through
 * Jetty's {@link ConnectHandler}, plain http requests through Jetty's forward {@link ProxyHandler}.
 * Both ask {@link SsrfGuard#resolve} for the addresses of the host and connect only to the checked
 * ones, exactly as {@link HttpDownloader} does. Redirects are not followed here: they go back to
 * the client, whose next request comes through the proxy and is checked again.
 *
 * <p>One proxy serves one job, so what it refused can be told to that job.
 */
final class EgressProxy implements AutoCloseable {

    private final SsrfGuard guard;
    private final Server server;
    private final ServerConnector connector;
    private final List<String> refusals = new CopyOnWriteArrayList<>();

    EgressProxy(SsrfGuard guard, Duration connectTimeout, Duration idleTimeout) throws Exception {
        this.guard = guard;
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("hlsfleet-egress");
        threads.setDaemon(true);
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
        connector.setPort(0);
        connector.setIdleTimeout(idleTimeout.toMillis());
        server.addConnector(connector);

        ProxyHandler.Forward forward = new ProxyHandler.Forward() {
            @Override
            protected void configureHttpClient(HttpClient client) {
                super.configureHttpClient(client);
                client.setSocketAddressResolver(new GuardedResolver());
                client.setConnectTimeout(connectTimeout.toMillis());
                client.setIdleTimeout(idleTimeout.toMillis());
                client.setUserAgentField(null);
            }
        };
        forward.setUseServerThreadPool(true);
        ConnectHandler connect = new ConnectHandler(forward) {
            @Override
            protected InetSocketAddress newConnectAddress(String host, int port) {
                try {
                    return checked(host, port).getFirst();
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        };
        connect.setConnectTimeout(connectTimeout.toMillis());
        connect.setIdleTimeout(idleTimeout.toMillis());
        server.setHandler(connect);
        server.start();
    }

    /** The proxy's address, as yt-dlp's {@code --proxy} takes it. */
    String url() {
        return "http://" + connector.getHost() + ":" + connector.getLocalPort();
    }

    /** Why connections were refused, in order; empty when nothing was. */
    List<String> refusals() {
        return List.copyOf(refusals);
    }

    /**
     * The addresses of {@code host} that the guard allows, or a refusal. The proxy itself is
     * refused too: a request addressed to it would otherwise loop through it.
     */
    private List<InetSocketAddress> checked(String host, int port) throws UnknownHostException {
        try {
            List<InetSocketAddress> addresses = guard.resolve(host).stream()
                    .map(address -> new InetSocketAddress(address, port))
                    .toList();
            for (InetSocketAddress address : addresses) {
                if (address.getPort() == connector.getLocalPort() && address.getAddress().isLoopbackAddress()) {
                    throw new RefusedDestination(host + ":" + port + " is the download proxy itself");
                }
            }
            return addresses;
        } catch (RefusedDestination e) {
            refusals.add(e.getMessage());
            throw e;
        }
    }

    /** The forward proxy's resolver: hands Jetty's client only checked addresses. */
    private final class GuardedResolver implements SocketAddressResolver {
        @Override
        public void resolve(String host, int port, Map<String, Object> context,
                Promise<List<InetSocketAddress>> promise) {
            try {
                promise.succeeded(checked(host, port));
            } catch (UnknownHostException e) {
                promise.failed(e);
            }
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the download proxy: " + e.getMessage(), e);
        }
    }
}
