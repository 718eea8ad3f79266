package io.hlsfleet.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Keeps the fleet's outgoing requests (downloads, webhooks) away from the worker's own network. A
 * URL is checked twice: its form before any request ({@link #checkUrl}), and its host's addresses
 * inside the HTTP client's DNS hook ({@link #resolve}, see {@link GuardedDnsResolver}), whose answer
 * is the exact list the client then connects to. Checking and connecting therefore use one
 * resolution, which leaves no room for DNS rebinding.
 */
public final class SsrfGuard {

    private final AddressPolicy policy;
    private final HostResolver resolver;
    private final String wrongScheme;
    private final UnaryOperator<String> howToAllow;

    /**
     * @param allowed networks let through although internal
     * @param wrongScheme what a refusal of a scheme other than http(s) says before the scheme
     * @param howToAllow from a refused address's host range ({@code 10.0.0.7/32}), how an operator
     *     allows it: the setting to change
     */
    public SsrfGuard(List<Cidr> allowed, HostResolver resolver, String wrongScheme, UnaryOperator<String> howToAllow) {
        this.policy = new AddressPolicy(allowed);
        this.resolver = resolver;
        this.wrongScheme = wrongScheme;
        this.howToAllow = howToAllow;
    }

    /** Checks scheme and host syntax; literal addresses are checked against the policy here too. */
    public void checkUrl(URI uri) throws RefusedDestination {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new RefusedDestination(wrongScheme + ", not '" + scheme + ":'");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new RefusedDestination("'" + uri + "' has no valid host name");
        }
        try {
            InetAddress literal = AddressPolicy.literal(host);
            if (literal != null) {
                check(host, literal);
            }
        } catch (RefusedDestination e) {
            throw e;
        } catch (UnknownHostException e) {
            throw new RefusedDestination(e.getMessage());
        }
    }

    /**
     * Resolves {@code host} and returns its addresses only if every one of them is allowed: a name
     * that resolves to one public and one private address is refused as a whole.
     */
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        InetAddress literal = AddressPolicy.literal(host);
        if (literal != null) {
            check(host, literal);
            return List.of(literal);
        }
        List<InetAddress> addresses = resolver.resolve(host);
        if (addresses == null || addresses.isEmpty()) {
            throw new UnknownHostException(host);
        }
        List<InetAddress> checked = new ArrayList<>(addresses.size());
        for (InetAddress address : addresses) {
            check(host, address);
            checked.add(address);
        }
        return List.copyOf(checked);
    }

    private void check(String host, InetAddress address) throws RefusedDestination {
        String why = policy.refusal(address);
        if (why != null) {
            String where = host.equals(address.getHostAddress()) ? host : host + " (" + address.getHostAddress() + ")";
            throw new RefusedDestination(where + " is " + why
                    + "; such destinations are refused to protect the worker's network. To allow it, "
                    + howToAllow.apply(Cidr.hostRange(address)));
        }
    }
}
