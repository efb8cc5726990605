# Certificates and keys for the bed (sourced by up.sh). Everything lives in $STATE/pki and is made once per
# bed: a CA, the API server's serving certificate (valid for 127.0.0.1, so in-cluster clients that reach the
# server at KUBERNETES_SERVICE_HOST=127.0.0.1 verify it against the CA in their service-account volume),
# client certificates for the admin and the two controllers, the front proxy's CA and client certificate, and
# the service-account signing key pair.
PKI=$STATE/pki

pki_ca() { # name CN
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout "$PKI/$1.key" -out "$PKI/$1.crt" \
    -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}

pki_client_cert() { # name CN [O] [signing CA, default ca]
  local name=$1 cn=$2 org=${3:-} ca=${4:-ca} subj
  subj="/CN=$cn"; [[ -n $org ]] && subj="/O=$org$subj"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial -days 3650 \
    -extfile <(printf 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n') \
    -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}

pki_ensure() {
  [[ -f $PKI/done ]] && return
  rm -rf "$PKI"; mkdir -p "$PKI"; chmod 700 "$PKI"
  log "generating certificates in $PKI"
  pki_ca ca corral-e2e-ca
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/apiserver.key" -subj "/CN=kube-apiserver" \
    -out "$PKI/apiserver.csr" 2>/dev/null
  # 10.96.0.1 is the `kubernetes` Service's cluster IP: allocated, never dialled, but clients may name it.
  openssl x509 -req -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 3650 \
    -extfile <(printf '%s\n' 'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local') \
    -out "$PKI/apiserver.crt" 2>/dev/null
  rm -f "$PKI/apiserver.csr"
  pki_client_cert admin corral-e2e-admin system:masters
  pki_client_cert controller-manager system:kube-controller-manager
  pki_client_cert scheduler system:kube-scheduler
  # The front proxy's CA, published by the API server for delegated authentication: without it the
  # controller-manager and scheduler log a missing request-header CA bundle every few seconds.
  pki_ca front-proxy-ca corral-e2e-front-proxy-ca
  pki_client_cert front-proxy-client front-proxy-client "" front-proxy-ca
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  touch "$PKI/done"
}

# A self-contained kubeconfig (certificates inlined) for one client identity.
pki_kubeconfig() { # out-file client-name
  local out=$1 name=$2
  cat >"$out" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: corral-e2e
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$name.crt")
    client-key-data: $(base64 -w0 "$PKI/$name.key")
contexts:
- name: corral-e2e
  context: {cluster: corral-e2e, user: $name}
current-context: corral-e2e
KUBECONFIG
  chmod 600 "$out"
}
