#!/bin/bash
# shellcheck disable=SC2016,SC2034
test_description='solum sshd under load: 50 concurrent pushes with the default limits'
. "$(dirname "$0")/lib.sh"

N=50

bare() { git --git-dir="$SOLUM_HOME/repos/$1.git" "${@:2}"; }
# started N: the listener has forked N connection processes
started() { test "$(grep -c "connection from [^ ]* (pid" sshd.log)" = "$1"; }

test_expect_success 'setup: 50 apps that deploy a branch nobody pushes' '
	solum_init &&
	for i in $(seq 1 $N); do
		solum app create "app$i" --branch live >/dev/null || return 1
	done &&
	solum_user alice push "*" &&
	# the limits as solum init writes them
	test_grep "^  max_startups: 10 " "$SOLUM_HOME/solum.yaml" &&
	test_grep "^  max_sessions: 64 " "$SOLUM_HOME/solum.yaml" &&
	solum_start_sshd &&
	git init -q work &&
	test_commit work one
'

test_expect_success '50 concurrent pushes all land, with the hooks run' '
	pids= &&
	for i in $(seq 1 $N); do
		{ as_user alice timeout 120 git -C work push "$(solum_url "app$i")" \
			master >"push$i.out" 2>&1 & } &&
		pids="$pids $!" || return 1
	done &&
	fails=0 &&
	for p in $pids; do
		wait "$p" || fails=$((fails + 1))
	done &&
	if test "$fails" != 0; then
		cat push*.out >&2
		return 1
	fi &&
	want=$(git -C work rev-parse master) &&
	for i in $(seq 1 $N); do
		test "$(bare "app$i" rev-parse master)" = "$want" &&
		test_grep -q "branch .master. of .app$i. is not mapped to an app" \
			"push$i.out" || return 1
	done &&
	! grep -i "reset\|disconnect" push*.out &&
	test "$(grep -c "git-receive-pack .app[0-9]*.: exit status 0" sshd.log)" = $N
'

test_expect_success 'the listener did not refuse anyone' '
	test_grep -v "refused connection" sshd.log
'

test_expect_success 'with max_sessions 2 a third push is told why, not reset' '
	kill "$SSHD_PID" && wait "$SSHD_PID" &&
	mv sshd.log sshd-load.log &&
	printf "sshd:\n  max_sessions: 2\n" >"$SOLUM_HOME/solum.yaml" &&
	solum_start_sshd &&
	# the start-up probe has gone; two connections take both sessions
	test_wait_for 10 grep -q "connection from .* ended" sshd.log &&
	exec 7<>"/dev/tcp/127.0.0.1/$SSHD_PORT" 8<>"/dev/tcp/127.0.0.1/$SSHD_PORT" &&
	test_when_finished "exec 7<&- 8<&-" &&
	test_wait_for 10 started 3 &&
	test_commit work two &&
	test_must_fail as_user alice timeout 60 git -C work push \
		"$(solum_url app1)" master 7<&- 8<&- 2>busy.err &&
	test_grep "Received disconnect from .*: too many connections, try again later" busy.err &&
	test_grep -v -i "reset" busy.err &&
	exec 7<&- 8<&- &&
	test_wait_for 10 as_user alice git -C work push -q "$(solum_url app1)" master
'

test_done
