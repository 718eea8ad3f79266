package io.hlsfleet.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/** An address range such as {@code 10.0.0.0/8} or {@code fd00::/8}; parsed strictly, literals only. */
public record Cidr(byte[] network, int prefix, String text) {

    /** Parses {@code address/prefix} (a bare address means a single host); never consults DNS. */
    public static Cidr parse(String text) {
        String value = text.strip();
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        InetAddress parsed;
        try {
            parsed = InetAddress.ofLiteral(address.startsWith("[") && address.endsWith("]")
                    ? address.substring(1, address.length() - 1) : address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a network in CIDR form (example: 10.0.0.0/8)");
        }
        byte[] bytes = parsed.getAddress();
        int bits = bytes.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(value.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0.." + bits);
        }
        return new Cidr(mask(bytes, prefix), prefix, value);
    }

    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(bytes, prefix), network);
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    /** The single-host range of {@code address}, for messages that say how to allow it. */
    public static String hostRange(InetAddress address) {
        return address.getHostAddress() + (address instanceof Inet4Address ? "/32" : "/128");
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        return out;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        return text;
    }
}
