package io.hlsfleet.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.apache.hc.client5.http.DnsResolver;

/**
 * Hands Apache HttpClient 5 only addresses that passed an {@link SsrfGuard}. The client asks its
 * {@link DnsResolver} for the addresses of every new connection and connects to exactly the list
 * it returns, which the JDK client offers no hook for; TLS still sees the URL's host name, so SNI
 * and certificate checks work as usual.
 */
public final class GuardedDnsResolver implements DnsResolver {

    private final SsrfGuard guard;

    public GuardedDnsResolver(SsrfGuard guard) {
        this.guard = guard;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        return guard.resolve(host).toArray(InetAddress[]::new);
    }

    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        return guard.resolve(host).stream().map(a -> new InetSocketAddress(a, port)).toList();
    }

    @Override
    public String resolveCanonicalHostname(String host) {
        return host;
    }
}
