#!/bin/bash
# shellcheck disable=SC2016,SC2034
test_description='solum sshd: concurrency, dead connections, graceful stop, limits'
. "$(dirname "$0")/lib.sh"

# hooks that take the refs and deploy nothing
quiet_hooks() {
	local r h
	for r; do
		for h in pre-receive post-receive; do
			printf '#!/bin/sh\ncat >/dev/null\n' \
				>"$SOLUM_HOME/repos/$r.git/hooks/$h" &&
			chmod +x "$SOLUM_HOME/repos/$r.git/hooks/$h" || return 1
		done
	done
}

bare() { git --git-dir="$SOLUM_HOME/repos/$1.git" "${@:2}"; }

# restart_sshd: stop the running sshd (if any), write solum.yaml from
# stdin, start it again
restart_sshd() {
	if test -n "$SSHD_PID"; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	fi
	cat >"$SOLUM_HOME/solum.yaml" &&
	# a port picked free can be taken by the time we bind it: retry once
	{ solum_start_sshd || solum_start_sshd; }
}

# held_twice: fds 7 and 8 are two connections the server has taken on (it
# sent its banner), or fail having closed them
held_twice() {
	exec 7<>"/dev/tcp/127.0.0.1/$SSHD_PORT" 8<>"/dev/tcp/127.0.0.1/$SSHD_PORT" &&
	test "$(timeout 5 head -c 4 <&7)" = SSH- &&
	test "$(timeout 5 head -c 4 <&8)" = SSH- && return 0
	exec 7<&- 8<&-
	return 1
}

# all_ended: every connection the server took on has ended
all_ended() {
	test "$(log_count "connection from [^ ]* (pid")" = \
		"$(log_count "connection from .* ended")"
}

log_count() { grep -c "$1" sshd.log; }
log_has_more() { test "$(log_count "$1")" -gt "$2"; }

# session_pid PATTERN: the pid of the connection process that logged PATTERN
session_pid() {
	grep "$1" sshd.log | tail -n 1 | sed -n 's/^[^[]*\[\([0-9]*\)\].*/\1/p'
}

test_expect_success 'setup' '
	solum_init &&
	for i in $(seq 1 20); do
		solum app create "r$i" >/dev/null || return 1
		quiet_hooks "r$i" || return 1
	done &&
	solum_user alice push "*" &&
	restart_sshd <<-EOF &&
	sshd:
	  max_startups: 30
	  max_sessions: 40
	EOF
	git init -q work &&
	test_commit work one
'

test_expect_success '20 concurrent pushes to 20 repositories all land' '
	pids= &&
	for i in $(seq 1 20); do
		git -C work branch -q -f "b$i" master &&
		{ as_user alice timeout 120 git -C work push -q "$(solum_url "r$i")" \
			"b$i:master" >"push$i.out" 2>&1 & } &&
		pids="$pids $!" || return 1
	done &&
	fails=0 &&
	for p in $pids; do
		wait "$p" || fails=$((fails + 1))
	done &&
	test "$fails" = 0 &&
	for i in $(seq 1 20); do
		test "$(bare "r$i" rev-parse master)" = "$(git -C work rev-parse master)" ||
		return 1
	done &&
	test "$(log_count "git-receive-pack .r[0-9]*.: exit status 0")" = 20
'

test_expect_success 'kill -9 of one connection leaves the server serving' '
	{ sleep 10 | solum_ssh alice "git-upload-pack '\''r1'\''" >adv.out 2>/dev/null & } &&
	client=$! &&
	test_wait_for 10 grep "alice: run git-upload-pack .r1." sshd.log &&
	pid=$(session_pid "alice: run git-upload-pack .r1.") &&
	test -n "$pid" &&
	kill -9 "$pid" &&
	test_must_fail wait "$client" &&
	test_wait_for 10 grep "process $pid killed by signal 9" sshd.log &&
	kill -0 "$SSHD_PID" &&
	as_user alice git clone -q "$(solum_url r2)" after-kill &&
	test_cmp work/one.t after-kill/one.t
'

test_expect_success 'a command killed by a signal ends with exit-signal' '
	n=$(log_count "alice: run git-upload-pack .r2.") &&
	{ sleep 10 | solum_ssh alice "git-upload-pack '\''r2'\''" >/dev/null 2>&1 \
		& } &&
	client=$! &&
	test_wait_for 10 log_has_more "alice: run git-upload-pack .r2." "$n" &&
	gitpid=$(grep "alice: run git-upload-pack .r2." sshd.log | tail -n 1 |
		sed -n "s/.*(pid \([0-9]*\)).*/\1/p") &&
	kill -TERM "$gitpid" &&
	test_expect_code 255 wait "$client" &&
	test_grep "git-upload-pack .r2.: killed by signal 15" sshd.log
'

test_expect_success 'a client that hangs up does not stop the push' '
	cat >"$SOLUM_HOME/repos/r4.git/hooks/post-receive" <<-EOF &&
	#!/bin/sh
	cat >/dev/null
	echo started >"$TRASH_DIRECTORY/hook-started"
	sleep 2
	echo "still talking to nobody"
	echo done >"$TRASH_DIRECTORY/hook-finished"
	EOF
	cat >ssh-wrapper <<-EOF &&
	#!/bin/sh
	echo \$\$ >"$TRASH_DIRECTORY/ssh.pid"
	exec ssh -i "$TRASH_DIRECTORY/keys/alice" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "\$@"
	EOF
	chmod +x ssh-wrapper &&
	test_commit work hangup &&
	{ GIT_SSH_COMMAND="$TRASH_DIRECTORY/ssh-wrapper" timeout 60 \
		git -C work push "$(solum_url r4)" master >hangup.out 2>&1 & } &&
	push=$! &&
	test_wait_for 20 test -f hook-started &&
	kill -9 "$(cat ssh.pid)" &&
	test_must_fail wait "$push" &&
	test_wait_for 20 test -f hook-finished &&
	test "$(bare r4 rev-parse master)" = "$(git -C work rev-parse master)" &&
	test_wait_for 10 grep "git-receive-pack .r4.: exit status 0 (client gone)" sshd.log &&
	test_grep "client went away; git-receive-pack .r4. continues" sshd.log
'

test_expect_success 'SIGTERM lets a running push finish, then exits 0' '
	printf "#!/bin/sh\ncat >/dev/null\nsleep 3\necho slow hook done\n" \
		>"$SOLUM_HOME/repos/r3.git/hooks/post-receive" &&
	test_commit work slow &&
	{ as_user alice timeout 60 git -C work push "$(solum_url r3)" master \
		>slow.out 2>&1 & } &&
	push=$! &&
	test_wait_for 10 grep "alice: run git-receive-pack .r3." sshd.log &&
	sleep 1 &&
	kill -TERM "$SSHD_PID" &&
	test_wait_for 5 grep "stopping: no new connections" sshd.log &&
	! test_port_open "$SSHD_PORT" &&
	kill -0 "$SSHD_PID" &&
	wait "$push" &&
	test_grep "slow hook done" slow.out &&
	test "$(bare r3 rev-parse master)" = "$(git -C work rev-parse master)" &&
	wait "$SSHD_PID" &&
	SSHD_PID= &&
	test_grep "stopped" sshd.log
'

test_expect_success 'SIGTERM closes unauthenticated connections at once' '
	restart_sshd <<-EOF &&
	sshd:
	  login_grace_time: 60
	EOF
	exec 7<>"/dev/tcp/127.0.0.1/$SSHD_PORT" &&
	test_when_finished "exec 7<&-" &&
	timeout 10 head -n 1 <&7 >banner.out &&
	test_grep "^SSH-2.0-" banner.out &&
	kill -TERM "$SSHD_PID" &&
	{ timeout 10 cat <&7 >/dev/null 2>&1; test $? != 124; } &&
	wait "$SSHD_PID" &&
	SSHD_PID=
'

test_expect_success 'login grace time closes idle unauthenticated connections' '
	restart_sshd <<-EOF &&
	sshd:
	  login_grace_time: 2
	EOF
	exec 7<>"/dev/tcp/127.0.0.1/$SSHD_PORT" &&
	test_when_finished "exec 7<&-" &&
	start=$(date +%s) &&
	timeout 15 cat <&7 >grace.out &&
	end=$(date +%s) &&
	test $((end - start)) -le 8 &&
	test_grep "^SSH-2.0-" grace.out &&
	test_wait_for 5 grep -q "not authenticated within 2 seconds" sshd.log &&
	solum_ssh alice help </dev/null >/dev/null
'

test_expect_success 'beyond max_startups a connection waits for a free startup' '
	restart_sshd <<-EOF &&
	sshd:
	  max_startups: 2
	  login_grace_time: 30
	EOF
	test_wait_for 10 all_ended &&
	test_wait_for 10 held_twice &&
	test_when_finished "exec 7<&- 8<&-" &&
	{ solum_ssh alice help </dev/null >waited.out 2>waited.err 7<&- 8<&- & } &&
	client=$! &&
	test_wait_for 10 grep -q "waits: 2 unauthenticated connections already (sshd.max_startups)" sshd.log &&
	sleep 1 &&
	kill -0 "$client" &&
	exec 7<&- &&
	wait "$client" &&
	test_grep "solum: push to deploy" waited.out &&
	exec 8<&-
'

test_expect_success 'beyond max_sessions a client is told why, not reset' '
	restart_sshd <<-EOF &&
	sshd:
	  max_sessions: 1
	EOF
	test_wait_for 10 all_ended &&
	n=$(log_count "alice: run git-upload-pack") &&
	{ sleep 8 | solum_ssh alice "git-upload-pack '\''r1'\''" >/dev/null 2>&1 & } &&
	test_wait_for 10 log_has_more "alice: run git-upload-pack" "$n" &&
	test_expect_code 255 solum_ssh alice help </dev/null 2>full.err &&
	test_grep "Received disconnect from .*: too many connections, try again later" full.err &&
	test_grep -v "reset" full.err &&
	test_grep "refused connection from .*: 1 connections already (sshd.max_sessions)" sshd.log
'

test_expect_success 'idle timeout ends a connection without traffic' '
	restart_sshd <<-EOF &&
	sshd:
	  idle_timeout: 2
	EOF
	start=$(date +%s) &&
	{ solum_ssh alice "git-upload-pack '\''r1'\''" < <(sleep 20) >idle.out 2>&1; true; } &&
	end=$(date +%s) &&
	test $((end - start)) -le 15 &&
	test_grep "no traffic for 2 seconds; closing" sshd.log
'

test_done
