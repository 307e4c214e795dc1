#!/bin/bash
# shellcheck disable=SC2016,SC2034
test_description='solum sshd: no shell, no pty, no forwarding, no other auth'
. "$(dirname "$0")/lib.sh"

# log_has_more PATTERN N: sshd.log has more than N lines matching PATTERN
log_has_more() { test "$(grep -c "$1" sshd.log)" -gt "$2"; }

test_expect_success 'setup' '
	solum_init &&
	solum app create web >/dev/null &&
	solum_user alice push web &&
	solum_start_sshd
'

test_expect_success 'a shell request gets one line and exit 128' '
	test_expect_code 128 solum_ssh alice </dev/null >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^solum: shell access is not available" err &&
	test_line_count = 0 out &&
	test_grep "alice: refused shell request" sshd.log
'

test_expect_success 'a pty request is refused' '
	test_expect_code 255 solum_ssh alice -tt </dev/null >out 2>err &&
	test_grep "PTY allocation request failed" err &&
	test_grep "alice: refused pty request" sshd.log
'

test_expect_success 'an interactive login (terminal) gets the shell refusal' '
	timeout 20 script -qec "ssh $(solum_ssh_opts alice) solum@127.0.0.1" \
		/dev/null </dev/null >tty.out
	test $? = 128 &&
	test_grep "solum: shell access is not available" tty.out
'

test_expect_success 'other commands get one line and exit 128' '
	for cmd in bash "sh -c id" "scp -t /tmp" "rsync --server ." \
		"git-upload-archive web" "cat /etc/passwd" "app list; id"; do
		test_expect_code 128 solum_ssh alice "$cmd" </dev/null >out 2>err &&
		test_line_count = 1 err &&
		test_grep "^solum: " err &&
		test_line_count = 0 out || return 1
	done &&
	test_grep "unknown command .bash." sshd.log
'

test_expect_success 'sftp is refused' '
	test_must_fail sftp -P "$SSHD_PORT" -i keys/alice -o IdentitiesOnly=yes \
		-o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -b /dev/null solum@127.0.0.1 \
		2>sftp.err &&
	test_grep "alice: refused subsystem .sftp." sshd.log
'

test_expect_success 'remote port forwarding is refused' '
	port=$(test_free_port) &&
	test_expect_code 255 timeout 20 ssh $(solum_ssh_opts alice) -N \
		-o ExitOnForwardFailure=yes -R "127.0.0.1:$port:127.0.0.1:9" \
		solum@127.0.0.1 </dev/null 2>fwd.err &&
	test_grep "forwarding failed" fwd.err &&
	test_grep "alice: refused tcpip-forward" sshd.log
'

test_expect_success 'local port forwarding and stdio forwarding are refused' '
	test_expect_code 255 timeout 20 ssh $(solum_ssh_opts alice) \
		-W "127.0.0.1:$SSHD_PORT" solum@127.0.0.1 </dev/null 2>w.err &&
	test_grep "forwarding failed" w.err &&
	test_grep "alice: refused direct-tcpip" sshd.log &&
	lport=$(test_free_port) &&
	n=$(grep -c "refused direct-tcpip" sshd.log) &&
	{ timeout 20 ssh $(solum_ssh_opts alice) -N \
		-L "127.0.0.1:$lport:127.0.0.1:$SSHD_PORT" solum@127.0.0.1 \
		</dev/null 2>l.err & } &&
	fwd_pid=$! &&
	test_when_finished "kill $fwd_pid 2>/dev/null" &&
	test_wait_for 10 test_port_open "$lport" &&
	test_wait_for 10 log_has_more "refused direct-tcpip" "$n"
'

test_expect_success 'env other than GIT_PROTOCOL is refused, and logged' '
	solum_ssh alice -o SetEnv=FOO=bar help </dev/null >out &&
	test_grep "git remote" out &&
	test_grep "alice: refused env request .FOO." sshd.log &&
	solum_ssh alice -o "SetEnv=GIT_PROTOCOL=version=2;id" help </dev/null &&
	test_grep "alice: refused env request .GIT_PROTOCOL." sshd.log &&
	solum_ssh alice -o SetEnv=LD_PRELOAD=/tmp/x.so help </dev/null &&
	test_grep "alice: refused env request .LD_PRELOAD." sshd.log
'

test_expect_success 'x11 forwarding is refused' '
	DISPLAY=127.0.0.1:0 solum_ssh alice -X help </dev/null >out 2>x11.err &&
	test_grep "git remote" out &&
	test_grep "alice: refused x11 forwarding" sshd.log
'

test_expect_success 'password and keyboard-interactive are not offered' '
	test_expect_code 255 ssh -p "$SSHD_PORT" -o BatchMode=yes \
		-o PreferredAuthentications=password,keyboard-interactive \
		-o PubkeyAuthentication=no -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null solum@127.0.0.1 help \
		</dev/null 2>pw.err &&
	test_grep "Permission denied (publickey)" pw.err
'

test_expect_success 'a key listed with options is refused by key add' '
	solum_key opt &&
	{ printf "no-pty " && cat keys/opt.pub; } >opt.line &&
	test_must_fail solum key add opt opt.line 2>opt.err &&
	test_grep "options are not supported" opt.err
'

test_done
