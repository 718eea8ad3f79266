package io.hlsfleet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;

/**
 * A certificate authority of the test's own and a server certificate it signed for
 * {@code localhost} and {@code 127.0.0.1}, made with {@code openssl}, for brokers that a test
 * runs with TLS: the PEM files for the servers, and a PKCS12 trust store holding the CA for the
 * JVMs that connect ({@link #trustStoreOptions}).
 */
public record TlsCertificates(Path caCertificate, Path serverCertificate, Path serverKey, Path trustStore) {

    public static final String TRUST_STORE_PASSWORD = "changeit";

    public static TlsCertificates create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path caKey = dir.resolve("ca.key");
        Path ca = dir.resolve("ca.pem");
        Path key = dir.resolve("server.key");
        Path request = dir.resolve("server.csr");
        Path certificate = dir.resolve("server.pem");
        Path extensions = Files.writeString(dir.resolve("server.ext"),
                "subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hlsfleet test CA",
                "-keyout", caKey.toString(), "-out", ca.toString());
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", key.toString(),
                "-out", request.toString());
        openssl(dir, "x509", "-req", "-in", request.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", extensions.toString(), "-out", certificate.toString());
        // Servers run as this user and read their key; nobody else needs to.
        key.toFile().setReadable(true, false);
        Path trustStore = dir.resolve("truststore.p12");
        try (InputStream pem = Files.newInputStream(ca); OutputStream out = Files.newOutputStream(trustStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("hlsfleet-test-ca", CertificateFactory.getInstance("X.509").generateCertificate(pem));
            store.store(out, TRUST_STORE_PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write the test trust store", e);
        }
        return new TlsCertificates(ca, certificate, key, trustStore);
    }

    /** JVM options that make this CA the only one trusted: {@code JAVA_TOOL_OPTIONS} for a worker. */
    public String trustStoreOptions() {
        return "-Djavax.net.ssl.trustStore=" + trustStore + " -Djavax.net.ssl.trustStorePassword=" + TRUST_STORE_PASSWORD
                + " -Djavax.net.ssl.trustStoreType=PKCS12";
    }

    private static void openssl(Path dir, String... arguments) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException("openssl " + arguments[0] + " failed: " + output);
        }
    }
}
