package io.hlsfleet.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Which addresses a download or a webhook may connect to. Everything that is not a public unicast address is
 * refused (loopback, private, link-local with the cloud metadata address, CGNAT, multicast,
 * reserved, IPv6 ULA and link-local, 6to4, and NAT64 or Teredo addresses that embed such an IPv4
 * address) unless an operator listed it among the allowed networks of the guard's user
 * ({@code HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS}, {@code HLSFLEET_WEBHOOK_ALLOWED_NETWORKS}).
 */
public final class AddressPolicy {

    private static final Pattern DOTTED_QUAD =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    /** A label a URL parser could read as a number: decimal, octal (leading 0) or hex (0x). */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("0x[0-9a-f]*|\\d+");

    private static final List<Range> REFUSED = List.of(
            new Range("0.0.0.0/8", "an unspecified (\"this network\") address"),
            new Range("10.0.0.0/8", "a private address"),
            new Range("100.64.0.0/10", "a carrier-grade NAT address"),
            new Range("127.0.0.0/8", "a loopback address"),
            new Range("169.254.0.0/16", "a link-local address (this range holds cloud metadata services)"),
            new Range("172.16.0.0/12", "a private address"),
            new Range("192.0.0.0/24", "a reserved address"),
            new Range("192.168.0.0/16", "a private address"),
            new Range("198.18.0.0/15", "a reserved (benchmarking) address"),
            new Range("224.0.0.0/4", "a multicast address"),
            new Range("240.0.0.0/4", "a reserved or broadcast address"),
            new Range("::/128", "the unspecified IPv6 address"),
            new Range("::1/128", "the IPv6 loopback address"),
            new Range("::/96", "an IPv4-compatible IPv6 address"),
            new Range("fc00::/7", "an IPv6 unique local (private) address"),
            new Range("fe80::/10", "an IPv6 link-local address"),
            new Range("fec0::/10", "an IPv6 site-local address"),
            new Range("ff00::/8", "an IPv6 multicast address"),
            new Range("2002::/16", "a 6to4 address"));

    /**
     * IPv6 ranges whose addresses carry an IPv4 address that a translator or relay connects to: they
     * are refused when any IPv4 address they may embed is refused. The well-known NAT64 prefix holds
     * it in the last 32 bits; the local-use NAT64 block (RFC 8215) may be cut into prefixes of /48 to
     * /96, each placing it elsewhere (RFC 6052), so every placement is checked; Teredo carries the
     * server's address and the client's, the latter inverted.
     */
    private static final List<Embedding> EMBEDDINGS = List.of(
            new Embedding("64:ff9b::/96", "a NAT64 address", a -> List.of(ipv4(a, 12, 13, 14, 15))),
            new Embedding("64:ff9b:1::/48", "a local-use NAT64 address", a -> List.of(
                    ipv4(a, 12, 13, 14, 15), ipv4(a, 9, 10, 11, 12), ipv4(a, 7, 9, 10, 11), ipv4(a, 6, 7, 9, 10))),
            new Embedding("2001::/32", "a Teredo address", a -> List.of(
                    ipv4(a, 4, 5, 6, 7), inverted(ipv4(a, 12, 13, 14, 15)))));

    private record Range(Cidr cidr, String what) {
        Range(String cidr, String what) {
            this(Cidr.parse(cidr), what);
        }
    }

    private record Embedding(Cidr cidr, String what, Function<byte[], List<byte[]>> embedded) {
        Embedding(String cidr, String what, Function<byte[], List<byte[]>> embedded) {
            this(Cidr.parse(cidr), what, embedded);
        }
    }

    private final List<Cidr> allowed;

    public AddressPolicy(List<Cidr> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    /** Why {@code address} may not be connected to, or {@code null} when it may. */
    public String refusal(InetAddress address) {
        for (Cidr cidr : allowed) {
            if (cidr.contains(address)) {
                return null;
            }
        }
        for (Embedding embedding : EMBEDDINGS) {
            if (embedding.cidr().contains(address)) {
                for (byte[] ipv4 : embedding.embedded().apply(address.getAddress())) {
                    InetAddress inner = ipv4Address(ipv4);
                    String why = refusal(inner);
                    if (why != null) {
                        return embedding.what() + " (" + embedding.cidr() + ") that reaches " + inner.getHostAddress()
                                + ", " + why;
                    }
                }
                return null;
            }
        }
        for (Range range : REFUSED) {
            if (range.cidr().contains(address)) {
                return range.what() + " (" + range.cidr() + ")";
            }
        }
        return null;
    }

    private static byte[] ipv4(byte[] address, int... positions) {
        byte[] ipv4 = new byte[4];
        for (int i = 0; i < 4; i++) {
            ipv4[i] = address[positions[i]];
        }
        return ipv4;
    }

    private static byte[] inverted(byte[] ipv4) {
        byte[] flipped = new byte[4];
        for (int i = 0; i < 4; i++) {
            flipped[i] = (byte) ~ipv4[i];
        }
        return flipped;
    }

    private static InetAddress ipv4Address(byte[] ipv4) {
        try {
            return InetAddress.getByAddress(ipv4);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException("four bytes are an IPv4 address", impossible);
        }
    }

    /**
     * Reads {@code host} as an IP literal if it is one. Only the canonical dotted quad and bracketed
     * (or bare) IPv6 are literals; the other numeric forms that some parsers accept
     * ({@code 2130706433}, {@code 0x7f000001}, {@code 0177.0.0.1}, {@code 127.1}) are refused,
     * because different parsers disagree about them.
     *
     * @return the address, or {@code null} if {@code host} is a name
     * @throws UnknownHostException (a {@link RefusedDestination}) for an ambiguous numeric form
     *         or an IPv6 literal that embeds an IPv4 address
     */
    public static InetAddress literal(String host) throws UnknownHostException {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.indexOf(':') >= 0) {
            InetAddress address;
            try {
                address = InetAddress.ofLiteral(h);
            } catch (IllegalArgumentException e) {
                throw new RefusedDestination("'" + host + "' is not a valid IPv6 address");
            }
            if (address instanceof Inet4Address) {
                throw new RefusedDestination("'" + host + "' is an IPv4-mapped IPv6 address");
            }
            return address;
        }
        if (DOTTED_QUAD.matcher(h).matches()) {
            return InetAddress.ofLiteral(h);
        }
        String name = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        String last = name.substring(name.lastIndexOf('.') + 1);
        if (name.isEmpty() || NUMERIC_LABEL.matcher(last).matches()) {
            throw new RefusedDestination("'" + host + "' is a numeric host in a non-standard form"
                    + " (only dotted decimal like 203.0.113.7 is accepted)");
        }
        return null;
    }
}
