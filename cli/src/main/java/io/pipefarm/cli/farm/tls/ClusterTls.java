package io.pipefarm.cli.farm.tls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the {@code pipefarm.cluster.tls} section into Artery's {@code tls-tcp} transport with mutual
 * authentication, checking first that this node's certificate is usable and made for its role, so
 * that a misplaced or wrong file fails at start with a message naming it rather than as refused
 * connections later.
 */
public final class ClusterTls {
    /** Makes the files this class reads; named in every error about them. */
    public static final String SCRIPT = "deploy/tls/pipefarm-tls.sh";

    private ClusterTls() {}

    /** A node's config with TLS applied, and the identity its certificate gives it when TLS is on. */
    public record Node(Config config, Optional<NodeIdentity> identity) {}

    /**
     * {@code user} (a node's pipefarm.conf, unresolved) with the Artery TLS settings layered on top when
     * {@code pipefarm.cluster.tls.enabled}; unchanged otherwise.
     *
     * @param role the role this node runs as ({@link NodeIdentity#COORDINATOR} or {@link NodeIdentity#AGENT})
     */
    public static Node configure(Config user, String role) {
        Config tls;
        try {
            tls = user.withFallback(ConfigFactory.parseResources("pipefarm-cluster.conf"))
                    .withFallback(ConfigFactory.defaultReference())
                    .resolve()
                    .getConfig("pipefarm.cluster.tls");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("pipefarm.cluster.tls: " + e.getMessage(), e);
        }
        if (!tls.getBoolean("enabled")) return new Node(user, Optional.empty());
        Path keyStore = Path.of(tls.getString("key-store"));
        Path trustStore = Path.of(tls.getString("trust-store"));
        requireFile(keyStore, "key store", "pipefarm.cluster.tls.key-store");
        requireFile(trustStore, "trust store", "pipefarm.cluster.tls.trust-store");
        String password = password(tls);
        KeyStore keys = open(keyStore, password, "key store", "pipefarm.cluster.tls.key-store");
        KeyStore trusted = open(trustStore, password, "trust store", "pipefarm.cluster.tls.trust-store");
        NodeIdentity me = checkOwnCertificate(keyStore, keys, trusted, role);

        Map<String, Object> artery = new LinkedHashMap<>();
        artery.put("pekko.remote.artery.transport", "tls-tcp");
        artery.put("pekko.remote.artery.ssl.ssl-engine-provider", FarmSslEngineProvider.class.getName());
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        artery.put(engine + "key-store", keyStore.toString());
        artery.put(engine + "trust-store", trustStore.toString());
        artery.put(engine + "key-store-password", password);
        artery.put(engine + "key-password", password);
        artery.put(engine + "trust-store-password", password);
        artery.put(engine + "require-mutual-authentication", "on");
        artery.put(engine + "hostname-verification", tls.getBoolean("hostname-verification") ? "on" : "off");
        Config applied = ConfigFactory.parseString(
                        "pekko.extensions += \"" + CertificateGuard.Id.class.getName() + "\"")
                .withFallback(ConfigFactory.parseMap(artery, "pipefarm.cluster.tls"))
                .withFallback(user);
        return new Node(applied, Optional.of(me));
    }

    private static String password(Config tls) {
        String inline = tls.getString("password");
        if (!inline.isEmpty()) return inline;
        Path file = Path.of(tls.getString("password-file"));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "TLS is on but the password file " + file + " (pipefarm.cluster.tls.password-file) does not exist;"
                            + " it comes with the key store from " + SCRIPT
                            + " node DIR ROLE ID --host HOST (DIR/nodes/ID/password),"
                            + " or set PIPEFARM_TLS_PASSWORD");
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            String pw = lines.isEmpty() ? "" : lines.get(0).strip();
            if (pw.isEmpty()) throw new IllegalArgumentException("the password file " + file + " is empty");
            return pw;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the password file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void requireFile(Path file, String what, String key) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "TLS is on but the " + what + " " + file + " (" + key + ") does not exist; make this node's"
                            + " files with " + SCRIPT + " node DIR ROLE ID --host HOST and copy DIR/nodes/ID/ to "
                            + file.getParent() + " (or set pipefarm.cluster.tls.dir)");
        }
    }

    private static KeyStore open(Path file, String password, String what, String key) {
        requireFile(file, what, key);
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "cannot open the " + what + " " + file + " (" + e.getMessage() + "); is the password the one "
                            + SCRIPT + " wrote next to it?",
                    e);
        }
    }

    /** The identity in this node's certificate, which must be current, from a trusted CA, and for {@code role}. */
    static NodeIdentity checkOwnCertificate(Path keyStore, KeyStore keys, KeyStore trusted, String role) {
        try {
            X509Certificate mine = null;
            for (String alias : Collections.list(keys.aliases())) {
                if (keys.isKeyEntry(alias) && keys.getCertificate(alias) instanceof X509Certificate c) {
                    if (mine != null)
                        throw new IllegalArgumentException("the key store " + keyStore
                                + " holds more than one key; it must hold only this node's");
                    mine = c;
                }
            }
            if (mine == null)
                throw new IllegalArgumentException(
                        "the key store " + keyStore + " holds no key; make it with " + SCRIPT + " node");
            NodeIdentity me;
            try {
                me = NodeIdentity.of(mine);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "the key store " + keyStore + ": " + e.getMessage() + "; make it with " + SCRIPT + " node", e);
            }
            if (!me.role().equals(role)) {
                throw new IllegalArgumentException("the certificate in " + keyStore + " (" + me.subject()
                        + ") is for role " + me.role() + " but this node runs as " + role + "; make one with " + SCRIPT
                        + " node DIR " + role + " ID --host HOST");
            }
            try {
                mine.checkValidity();
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new IllegalArgumentException(
                        "the certificate in " + keyStore + " is not valid now (" + e.getMessage() + "); renew it with "
                                + SCRIPT + " renew DIR " + role + " " + me.id() + " --host HOST",
                        e);
            }
            List<X509Certificate> cas = new ArrayList<>();
            for (String alias : Collections.list(trusted.aliases())) {
                Certificate c = trusted.getCertificate(alias);
                if (trusted.isCertificateEntry(alias) && c instanceof X509Certificate x) cas.add(x);
            }
            if (cas.isEmpty())
                throw new IllegalArgumentException("the trust store next to " + keyStore + " holds no CA certificate");
            X509Certificate leaf = mine;
            if (cas.stream().noneMatch(ca -> signedBy(leaf, ca))) {
                throw new IllegalArgumentException(
                        "the certificate in " + keyStore + " is not signed by a CA of the trust store: key store and"
                                + " trust store come from different farms; copy both from the same " + SCRIPT + " DIR");
            }
            return me;
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException("cannot read " + keyStore + ": " + e.getMessage(), e);
        }
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate ca) {
        try {
            cert.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
