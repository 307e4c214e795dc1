#!/bin/bash
# shellcheck disable=SC2016,SC2034
test_description='solum sshd: the algorithms offered, audited with ssh-audit'
. "$(dirname "$0")/lib.sh"

command -v ssh-audit >/dev/null 2>&1 && test_set_prereq SSH_AUDIT

# start_with_config: write solum.yaml from stdin and start sshd
start_with_config() {
	if test -n "$SSHD_PID"; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	fi
	cat >"$SOLUM_HOME/solum.yaml" &&
	{ solum_start_sshd || solum_start_sshd; }
}

# algorithm lines of ssh-audit's report (kex, key, enc, mac) with a warning
# or a failure, less the one warning no configuration can remove: ssh-audit
# 2.5 predates OpenSSH's strict key exchange, whose marker libssh always
# sends, and calls it an unknown algorithm
audit_complaints() {
	grep -E "^\((kex|key|enc|mac)\) .*\[(warn|fail)\]" "$1" |
	grep -v -E "^\(kex\) kex-strict-s-v00@openssh.com +-- \[warn\] unknown algorithm"
	return 0
}

# try_ssh LOGLEVEL SSH-OPTION...: `help` as alice, with these options
try_ssh() {
	local level=$1
	shift
	ssh -p "$SSHD_PORT" -i "$TRASH_DIRECTORY/keys/alice" -o IdentitiesOnly=yes \
		-o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 \
		-o LogLevel="$level" "$@" solum@127.0.0.1 help </dev/null
}

test_expect_success 'setup' '
	solum_init &&
	solum_user alice &&
	solum_start_sshd
'

test_expect_success SSH_AUDIT 'ssh-audit finds nothing to fail or warn about in the defaults' '
	# its exit status counts the strict-kex marker it does not know: not checked
	timeout 60 ssh-audit -n -p "$SSHD_PORT" 127.0.0.1 >audit.out 2>&1
	test_grep "^(kex) curve25519-sha256 " audit.out &&
	test_grep "^(mac) hmac-sha2-256-etm@openssh.com " audit.out &&
	test_grep "^(key) ssh-ed25519 " audit.out &&
	test_grep -v "\[fail\]" audit.out &&
	audit_complaints audit.out >complaints &&
	test_line_count = 0 complaints &&
	test_grep -v -E "nistp|ecdsa|sha1|hmac-sha2-256 |hmac-sha2-512 |group14|cbc" audit.out
'

test_expect_success 'the configured lists are what the server offers' '
	start_with_config <<-EOF &&
	sshd:
	  kex: diffie-hellman-group18-sha512
	  ciphers: aes256-gcm@openssh.com
	  macs: hmac-sha2-512-etm@openssh.com
	  hostkey_algorithms: rsa-sha2-512
	EOF
	test_must_fail try_ssh INFO -o KexAlgorithms=curve25519-sha256 2>kex.err &&
	test_grep "no matching key exchange method" kex.err &&
	test_must_fail try_ssh INFO -o Ciphers=chacha20-poly1305@openssh.com \
		2>cipher.err &&
	test_grep "no matching cipher" cipher.err &&
	test_must_fail try_ssh INFO -o HostKeyAlgorithms=ssh-ed25519 2>hostkey.err &&
	test_grep "no matching host key type" hostkey.err &&
	try_ssh DEBUG1 >help.out 2>help.err &&
	test_grep "solum: push to deploy" help.out &&
	test_grep "kex: algorithm: diffie-hellman-group18-sha512" help.err &&
	test_grep "kex: host key algorithm: rsa-sha2-512" help.err &&
	test_grep "cipher: aes256-gcm@openssh.com" help.err
'

test_expect_success 'a MAC outside the list is refused' '
	start_with_config <<-EOF &&
	sshd:
	  macs: hmac-sha2-512-etm@openssh.com
	EOF
	try_ssh ERROR -o Ciphers=aes256-ctr -o MACs=hmac-sha2-512-etm@openssh.com \
		>mac.out &&
	test_grep "solum: push to deploy" mac.out &&
	test_must_fail try_ssh INFO -o Ciphers=aes256-ctr \
		-o MACs=hmac-sha2-256-etm@openssh.com 2>mac.err &&
	test_grep "no matching MAC found" mac.err
'

test_expect_success 'an unknown algorithm name is one clear line at start' '
	kill "$SSHD_PID" && wait "$SSHD_PID"
	SSHD_PID= &&
	cat >"$SOLUM_HOME/solum.yaml" <<-EOF &&
	sshd:
	  kex: curve25519-sha256,curve25519-sha257
	EOF
	test_must_fail timeout 20 solum sshd --listen 127.0.0.1:0 2>bad.err &&
	echo "solum: sshd.kex: unknown or unsupported algorithm '\''curve25519-sha257'\''" >expect &&
	test_cmp expect bad.err &&
	cat >"$SOLUM_HOME/solum.yaml" <<-EOF &&
	sshd:
	  macs: hmac-sha2-256-etm@openssh.com,aes256-ctr
	EOF
	test_must_fail timeout 20 solum sshd --listen 127.0.0.1:0 2>bad.err &&
	echo "solum: sshd.macs: unknown or unsupported algorithm '\''aes256-ctr'\''" >expect &&
	test_cmp expect bad.err
'

test_expect_success 'an ECDSA host key is refused, not offered' '
	: >"$SOLUM_HOME/solum.yaml" &&
	rm "$SOLUM_HOME/ssh/host_rsa_key" "$SOLUM_HOME/ssh/host_rsa_key.pub" &&
	ssh-keygen -q -t ecdsa -N "" -m PEM -f "$SOLUM_HOME/ssh/host_rsa_key" &&
	chmod 600 "$SOLUM_HOME/ssh/host_rsa_key.pub" &&
	test_must_fail timeout 20 solum sshd --listen 127.0.0.1:0 2>ecdsa.err &&
	test_grep "host key .*host_rsa_key. is a ecdsa-sha2-nistp256 key; expected ssh-rsa" ecdsa.err &&
	test_line_count = 1 ecdsa.err
'

test_done
