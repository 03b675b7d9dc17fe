#!/usr/bin/env bash
# Makes the TLS material of a pipefarm cluster: a farm CA and, per node, a PKCS12 key store (the
# node's key and a certificate with CN=<node id>, OU=<role>, O=pipefarm signed by the CA), a PKCS12
# trust store holding the CA, and the password of both. Needs only the JDK's keytool.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage:
  pipefarm-tls.sh ca DIR
      Make the farm CA in DIR/ca (ca.p12 with its key, ca.crt, password). Does nothing if it exists.
      Keep DIR/ca off the nodes: whoever has ca.p12 and its password can let any node in.
  pipefarm-tls.sh node DIR ROLE ID --host HOST [--host HOST ...] [--days N]
      Make DIR/nodes/ID/{node.p12,truststore.p12,password} for a node of ROLE (coordinator or
      agent) with id ID, valid for the address(es) HOST it advertises to the cluster (its --host).
      Does nothing if that node's material exists with the same role and id and the current CA.
  pipefarm-tls.sh renew DIR ROLE ID --host HOST [--host HOST ...] [--days N]
      As node, but always makes a new key and certificate (rotation); the old ones are kept as
      *.old until the next renew.
  pipefarm-tls.sh show FILE.p12 PASSWORD_FILE
      Print the subject, issuer and validity of the certificates in a store.

Copy DIR/nodes/ID/ to /etc/pipefarm/tls/ on the node (owner pipefarm, mode 0600); the node's
pipefarm.conf turns TLS on with pipefarm.cluster.tls.enabled = on (see README, "Rack install with TLS").
Certificates are valid for 825 days and the CA for 3650 unless --days says otherwise.
EOF
}

die() { echo "pipefarm-tls: $*" >&2; exit 1; }

command -v keytool >/dev/null || die "keytool not found: install a Java 17 JDK or JRE (e.g. apt-get install openjdk-17-jre-headless)"

new_password() {
  # 32 characters from the kernel's random source, without characters a shell or HOCON would mangle.
  local p
  p=$(head -c 64 /dev/urandom | base64 -w0 | LC_ALL=C tr -dc 'A-Za-z0-9')
  printf '%s\n' "${p:0:32}"
}

# Runs keytool quietly; on failure shows what it said. Passwords go through the environment
# (-storepass:env), so they appear in no process list.
kt() {
  local out
  if ! out=$(keytool "$@" 2>&1); then
    echo "$out" >&2
    die "keytool $1 failed"
  fi
}

make_ca() {
  local dir=$1 days=$2 ca="$1/ca"
  if [[ -f $ca/ca.p12 ]]; then
    echo "CA exists: $ca/ca.crt"
    return
  fi
  mkdir -p "$ca"
  chmod 700 "$ca"
  local tmp
  tmp=$(mktemp -d "$ca/.new.XXXXXX")
  umask 077
  new_password >"$tmp/password"
  export PIPEFARM_TLS_CA_PW
  PIPEFARM_TLS_CA_PW=$(cat "$tmp/password")
  kt -genkeypair -alias ca -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
    -dname "CN=pipefarm farm CA,O=pipefarm" -ext bc:c=ca:true,pathlen:0 -ext ku:c=keyCertSign,cRLSign \
    -validity "$days" -storetype PKCS12 -keystore "$tmp/ca.p12" -storepass:env PIPEFARM_TLS_CA_PW
  kt -exportcert -rfc -alias ca -keystore "$tmp/ca.p12" -storepass:env PIPEFARM_TLS_CA_PW -file "$tmp/ca.crt"
  [[ -s $tmp/ca.p12 && -s $tmp/ca.crt ]] || die "keytool did not make the CA in $tmp"
  mv "$tmp/password" "$tmp/ca.p12" "$tmp/ca.crt" "$ca/"
  rmdir "$tmp"
  echo "made CA: $ca/ca.crt"
}

# Prints the subject of the node certificate in a store, or nothing.
subject_of() {
  local store=$1 pwfile=$2
  PIPEFARM_TLS_NODE_PW=$(cat "$pwfile") keytool -list -v -alias node -keystore "$store" -storepass:env PIPEFARM_TLS_NODE_PW 2>/dev/null \
    | sed -n 's/^Owner: //p' | head -1
}

make_node() {
  local dir=$1 role=$2 id=$3 days=$4 force=$5
  shift 5
  local hosts=("$@")
  local ca="$dir/ca" out="$dir/nodes/$id"
  [[ -f $ca/ca.p12 ]] || die "no CA in $ca: make it first with: $0 ca $dir"
  [[ $role == coordinator || $role == agent ]] || die "ROLE must be coordinator or agent, not '$role'"
  [[ $id =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "ID '$id' must be letters, digits, '.', '_' or '-' (it becomes the certificate's CN)"
  ((${#hosts[@]} > 0)) || die "give the address the node advertises with --host HOST (its cluster --host), e.g. --host 10.0.0.11"
  local want="CN=$id, OU=$role, O=pipefarm"
  if [[ -f $out/node.p12 && $force == no ]]; then
    local have
    have=$(subject_of "$out/node.p12" "$out/password")
    if [[ $have == "$want" ]] && cmp -s "$ca/ca.crt" "$out/ca.crt"; then
      echo "node exists: $out ($have)"
      return
    fi
    if [[ $have == "$want" ]]; then
      die "$out holds a certificate from another CA than $ca; to reissue it from this CA: $0 renew $dir $role $id --host ..."
    fi
    die "$out holds a certificate for '$have', not '$want'; to reissue it: $0 renew $dir $role $id --host ..."
  fi
  local san="" h
  for h in "${hosts[@]}"; do
    if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+="${san:+,}ip:$h"; else san+="${san:+,}dns:$h"; fi
  done
  mkdir -p "$dir/nodes"
  umask 077
  local tmp
  tmp=$(mktemp -d "$dir/nodes/.new-$id.XXXXXX")
  new_password >"$tmp/password"
  export PIPEFARM_TLS_CA_PW PIPEFARM_TLS_NODE_PW
  PIPEFARM_TLS_CA_PW=$(cat "$ca/password")
  PIPEFARM_TLS_NODE_PW=$(cat "$tmp/password")
  cp "$ca/ca.crt" "$tmp/ca.crt"
  kt -genkeypair -alias node -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA -dname "$want" \
    -validity "$days" -storetype PKCS12 -keystore "$tmp/node.p12" -storepass:env PIPEFARM_TLS_NODE_PW
  kt -certreq -alias node -keystore "$tmp/node.p12" -storepass:env PIPEFARM_TLS_NODE_PW -file "$tmp/node.csr"
  kt -gencert -alias ca -keystore "$ca/ca.p12" -storepass:env PIPEFARM_TLS_CA_PW -infile "$tmp/node.csr" -outfile "$tmp/node.crt" \
    -rfc -validity "$days" -ext ku:c=digitalSignature -ext eku=serverAuth,clientAuth -ext "san=$san"
  kt -importcert -noprompt -alias farm-ca -file "$tmp/ca.crt" -keystore "$tmp/node.p12" -storepass:env PIPEFARM_TLS_NODE_PW
  kt -importcert -alias node -file "$tmp/node.crt" -keystore "$tmp/node.p12" -storepass:env PIPEFARM_TLS_NODE_PW
  kt -importcert -noprompt -alias farm-ca -file "$tmp/ca.crt" -storetype PKCS12 -keystore "$tmp/truststore.p12" -storepass:env PIPEFARM_TLS_NODE_PW
  rm -f "$tmp/node.csr"
  [[ $(subject_of "$tmp/node.p12" "$tmp/password") == "$want" ]] \
    || die "keytool did not make a signed certificate for $want in $tmp"
  [[ -s $tmp/truststore.p12 ]] || die "keytool did not make the trust store in $tmp"
  mkdir -p "$out"
  chmod 700 "$out"
  local f
  for f in node.p12 truststore.p12 password ca.crt node.crt; do
    [[ -f $out/$f ]] && mv -f "$out/$f" "$out/$f.old"
    mv "$tmp/$f" "$out/$f"
  done
  rmdir "$tmp"
  echo "made node: $out ($want, $san)"
}

show() {
  local store=$1 pwfile=$2
  [[ -f $store ]] || die "no store $store"
  PIPEFARM_TLS_NODE_PW=$(cat "$pwfile") keytool -list -v -keystore "$store" -storepass:env PIPEFARM_TLS_NODE_PW \
    | grep -E '^(Alias name|Owner|Issuer|Valid from|Entry type):'
}

cmd=${1:-}
[[ -n $cmd ]] || { usage; exit 2; }
shift
case $cmd in
  -h | --help | help) usage ;;
  ca)
    [[ $# -ge 1 ]] || { usage >&2; exit 2; }
    dir=$1 days=3650
    shift
    [[ ${1:-} == --days ]] && days=$2
    make_ca "$dir" "$days"
    ;;
  node | renew)
    [[ $# -ge 3 ]] || { usage >&2; exit 2; }
    dir=$1 role=$2 id=$3 days=825 hosts=()
    shift 3
    while [[ $# -gt 0 ]]; do
      case $1 in
        --host) [[ $# -ge 2 ]] || die "--host needs a value"; hosts+=("$2"); shift 2 ;;
        --days) [[ $# -ge 2 ]] || die "--days needs a value"; days=$2; shift 2 ;;
        *) die "unknown option '$1' (see $0 --help)" ;;
      esac
    done
    make_node "$dir" "$role" "$id" "$days" "$([[ $cmd == renew ]] && echo yes || echo no)" "${hosts[@]}"
    ;;
  show)
    [[ $# -eq 2 ]] || { usage >&2; exit 2; }
    show "$1" "$2"
    ;;
  *) usage >&2; exit 2 ;;
esac
