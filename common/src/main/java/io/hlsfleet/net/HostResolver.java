package io.hlsfleet.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a host name into addresses. An {@link SsrfGuard} checks every address this returns and the
 * HTTP client connects only to those, so a test can map a name to any address it likes (a name
 * resolving to 10.0.0.1, say) without a packet leaving the machine.
 */
@FunctionalInterface
public interface HostResolver {

    /** The system resolver. */
    HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    List<InetAddress> resolve(String host) throws UnknownHostException;
}
