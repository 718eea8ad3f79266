package io.hlsfleet.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {

    private final AddressPolicy policy = new AddressPolicy(List.of());

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.255", "0.0.0.0", "224.0.0.1",
            "239.255.255.250", "255.255.255.255", "240.0.0.1", "198.18.0.1", "::1", "::", "fd00::1", "fc00::1",
            "fe80::1", "ff02::1", "64:ff9b::a00:1", "2002:a00:1::1", "::a00:1",
            // Local-use NAT64 with the loopback address placed for a /96, /64, /56 and /48 prefix.
            "64:ff9b:1::7f00:1", "64:ff9b:1:0:7f:0:100:0", "64:ff9b:1:7f:0:1::", "64:ff9b:1:7f00:0:100::",
            // Teredo: a private server, or a client (stored inverted) on loopback behind a public server.
            "2001:0:a00:1::f7f7:f7f7", "2001:0:4136:e378:8000:63bf:80ff:fffe"})
    void refusesInternalAddresses(String address) {
        assertThat(policy.refusal(InetAddress.ofLiteral(address))).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.7", "8.8.8.8", "100.128.0.1", "172.32.0.1", "2001:db8::1", "2606:4700::1",
            "64:ff9b::808:808", "2001:0:4136:e378:8000:63bf:f7f7:f7f7"})
    void letsPublicAddressesThrough(String address) {
        assertThat(policy.refusal(InetAddress.ofLiteral(address))).isNull();
    }

    @Test
    void embeddedAddressesAreNamedInTheRefusal() {
        assertThat(policy.refusal(InetAddress.ofLiteral("64:ff9b:1::7f00:1")))
                .contains("local-use NAT64", "127.0.0.1", "loopback");
        assertThat(policy.refusal(InetAddress.ofLiteral("64:ff9b::a9fe:a9fe")))
                .contains("NAT64", "169.254.169.254", "link-local");
        assertThat(policy.refusal(InetAddress.ofLiteral("2001:0:4136:e378:8000:63bf:80ff:fffe")))
                .contains("Teredo", "127.0.0.1");
    }

    @Test
    void allowListOpensOnlyItsNetworks() {
        AddressPolicy open = new AddressPolicy(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("fd00::/8")));
        assertThat(open.refusal(InetAddress.ofLiteral("127.0.0.2"))).isNull();
        assertThat(open.refusal(InetAddress.ofLiteral("fd12::1"))).isNull();
        assertThat(open.refusal(InetAddress.ofLiteral("10.0.0.1"))).contains("private");
        assertThat(open.refusal(InetAddress.ofLiteral("169.254.169.254"))).contains("link-local");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0x7f000001", "0177.0.0.1", "127.1", "127.0.1", "0x7f.0.0.1", "017700000001",
            "127.000.000.001", "1.2.3.4.", "1.2.3.4.5", "example.0x10", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
            "[::ffff:8.8.8.8]"})
    void refusesAmbiguousNumericHosts(String host) {
        assertThatThrownBy(() -> AddressPolicy.literal(host)).isInstanceOf(RefusedDestination.class);
    }

    @Test
    void readsCanonicalLiteralsAndLeavesNamesAlone() throws UnknownHostException {
        assertThat(AddressPolicy.literal("203.0.113.7")).isEqualTo(InetAddress.ofLiteral("203.0.113.7"));
        assertThat(AddressPolicy.literal("[2001:db8::1]")).isEqualTo(InetAddress.ofLiteral("2001:db8::1"));
        assertThat(AddressPolicy.literal("cdn.example.com")).isNull();
        assertThat(AddressPolicy.literal("cafe.be")).isNull();
        assertThat(AddressPolicy.literal("1e100.net")).isNull();
    }

    @Test
    void cidrParsingIsStrict() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(InetAddress.ofLiteral("10.200.1.1"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(InetAddress.ofLiteral("11.0.0.1"))).isFalse();
        assertThat(Cidr.parse("192.168.1.7").contains(InetAddress.ofLiteral("192.168.1.7"))).isTrue();
        assertThat(Cidr.parse("192.168.1.7").contains(InetAddress.ofLiteral("192.168.1.8"))).isFalse();
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse("intranet/8")).isInstanceOf(IllegalArgumentException.class);
    }
}
