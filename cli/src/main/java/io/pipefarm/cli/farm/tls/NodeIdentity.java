package io.pipefarm.cli.farm.tls;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who a farm certificate says a node is: its id (the subject's CN) and its role (the subject's OU),
 * as {@code deploy/tls/pipefarm-tls.sh node DIR ROLE ID} writes them.
 */
public record NodeIdentity(String id, String role, String subject) {
    public static final String COORDINATOR = "coordinator";
    public static final String AGENT = "agent";
    public static final Set<String> ROLES = Set.of(COORDINATOR, AGENT);

    /** Reads CN and OU; throws if either is missing or the OU is no pipefarm role. */
    public static NodeIdentity of(X509Certificate cert) {
        String subject = cert.getSubjectX500Principal().getName();
        String cn = null;
        String ou = null;
        try {
            for (Rdn rdn : new LdapName(subject).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) cn = rdn.getValue().toString();
                if (rdn.getType().equalsIgnoreCase("OU")) ou = rdn.getValue().toString();
            }
        } catch (InvalidNameException e) {
            throw new IllegalArgumentException("certificate subject '" + subject + "' is not a distinguished name", e);
        }
        if (cn == null || cn.isBlank())
            throw new IllegalArgumentException("certificate '" + subject + "' names no node id (CN)");
        if (ou == null || !ROLES.contains(ou)) {
            throw new IllegalArgumentException(
                    "certificate '" + subject + "' names no pipefarm role (OU=coordinator or OU=agent)");
        }
        return new NodeIdentity(cn, ou, subject);
    }

    /** The identity of the peer of a TLS session whose certificate chain the trust manager accepted. */
    public static NodeIdentity ofPeer(SSLSession session) throws SSLPeerUnverifiedException {
        Certificate[] chain = session.getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new SSLPeerUnverifiedException("peer " + session.getPeerHost() + " presented no X.509 certificate");
        }
        return of(leaf);
    }
}
