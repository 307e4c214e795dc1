# lib.sh: solum's shell test library, modelled on git's t/test-lib.sh
#
# A test script sets test_description, sources this file, runs
# test_expect_success blocks and ends with test_done. Output is TAP. Each
# script runs in its own trash directory (tests/trash.<script>) with HOME
# pointing there; everything it starts listens on 127.0.0.1 only and is
# stopped, by pid, when the script exits.

TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=$(basename "$0" .sh)
SOLUM_BUILD=${SOLUM_BUILD:-$(cd "$TEST_DIRECTORY/.." && pwd)/build}
SOLUM_SRC=$(cd "$TEST_DIRECTORY/.." && pwd)
export SOLUM_BUILD SOLUM_SRC
PATH=$SOLUM_BUILD:$PATH
export PATH

TRASH_DIRECTORY="$TEST_DIRECTORY/trash.$TEST_NAME"
rm -rf "$TRASH_DIRECTORY"
mkdir -p "$TRASH_DIRECTORY" || exit 1
HOME=$TRASH_DIRECTORY
export HOME
unset SOLUM_HOME SOLUM_USER SOLUM_REMOTE SOLUM_KEY DOCKER_HOST GIT_DIR \
	GIT_WORK_TREE GIT_SSH GIT_SSH_COMMAND XDG_CONFIG_HOME
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL=committer@example.com
GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000'
export GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE \
	GIT_COMMITTER_DATE
git config --global init.defaultBranch master
git config --global advice.detachedHead false
cd "$TRASH_DIRECTORY" || exit 1

test_count=0
test_failed=0
test_skipped=0
test_cleanup=
test_prereqs=" "
test_bg_pids=
test_verbose=${TEST_VERBOSE:-}

say() { printf '%s\n' "$*"; }
say_diag() { printf '# %s\n' "$@"; }

# Kill, by pid, everything test_bg registered; then the trash is removed
# unless a test failed or TEST_KEEP is set.
test_atexit() {
	local pid
	for pid in $test_bg_pids; do
		kill "$pid" 2>/dev/null
	done
	for pid in $test_bg_pids; do
		# bounded wait, then insist
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$pid" 2>/dev/null
	done
	if test -n "$test_atexit_extra"; then
		eval "$test_atexit_extra"
	fi
}
test_atexit_extra=
trap test_atexit EXIT

# test_bg_register PID: stop PID when the script ends.
test_bg_register() { test_bg_pids="$test_bg_pids $1"; }
# test_atexit_run CMD: run CMD (a string) when the script ends.
test_atexit_run() { test_atexit_extra="${test_atexit_extra:+$test_atexit_extra; }$1"; }

test_set_prereq() { test_prereqs="$test_prereqs$1 "; }
test_have_prereq() {
	local p
	for p in $(echo "$1" | tr ',' ' '); do
		case "$p" in
		!*) case "$test_prereqs" in *" ${p#!} "*) return 1 ;; esac ;;
		*) case "$test_prereqs" in *" $p "*) ;; *) return 1 ;; esac ;;
		esac
	done
	return 0
}

skip_all() {
	say "1..0 # SKIP $*"
	exit 0
}

test_when_finished() {
	test_cleanup="{ $*
	} && (exit \"\$eval_ret\"); eval_ret=\$?; $test_cleanup"
}

test_run_() {
	test_cleanup=:
	eval_ret=0
	if test -n "$test_verbose"; then
		eval "$1"
	else
		eval "$1" >"$TRASH_DIRECTORY/.test-out" 2>&1
	fi
	eval_ret=$?
	eval "$test_cleanup" >>"$TRASH_DIRECTORY/.test-out" 2>&1
	return $eval_ret
}

# test_expect_success [PREREQ] 'description' 'body'
test_expect_success() {
	local prereq= desc body
	if test $# = 3; then prereq=$1; shift; fi
	desc=$1 body=$2
	test_count=$((test_count + 1))
	if test -n "$prereq" && ! test_have_prereq "$prereq"; then
		test_skipped=$((test_skipped + 1))
		say "ok $test_count # skip $desc (missing $prereq)"
		return 0
	fi
	if test_run_ "$body"; then
		say "ok $test_count - $desc"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $desc"
		printf '%s\n' "$body" | sed 's/^/#	/'
		if test -z "$test_verbose" && test -f "$TRASH_DIRECTORY/.test-out"; then
			tail -n 40 "$TRASH_DIRECTORY/.test-out" | sed 's/^/# | /'
		fi
	fi
	cd "$TRASH_DIRECTORY" || exit 1
}

test_done() {
	say "1..$test_count"
	if test "$test_failed" -gt 0; then
		say_diag "failed $test_failed among $test_count test(s); trash kept in $TRASH_DIRECTORY"
		exit 1
	fi
	if test -z "$TEST_KEEP"; then
		cd "$TEST_DIRECTORY" && test_atexit && trap - EXIT &&
		rm -rf "$TRASH_DIRECTORY"
	fi
	exit 0
}

# ---- assertions ----

test_must_fail() {
	"$@"
	local rc=$?
	if test $rc = 0; then
		echo >&2 "test_must_fail: command succeeded: $*"
		return 1
	elif test $rc -gt 129 && test $rc -le 192; then
		echo >&2 "test_must_fail: died by signal $((rc - 128)): $*"
		return 1
	elif test $rc = 127; then
		echo >&2 "test_must_fail: command not found: $*"
		return 1
	fi
	return 0
}

# test_expect_code N cmd...
test_expect_code() {
	local want=$1
	shift
	"$@"
	local rc=$?
	test $rc = "$want" && return 0
	echo >&2 "test_expect_code: command exited with $rc, we wanted $want: $*"
	return 1
}

test_cmp() { diff -u "$@"; }
test_path_is_file() { test -f "$1" || { echo >&2 "not a file: $1"; return 1; }; }
test_path_is_dir() { test -d "$1" || { echo >&2 "not a directory: $1"; return 1; }; }
test_path_is_missing() { ! test -e "$1" || { echo >&2 "exists: $1"; return 1; }; }
test_line_count() {
	local n
	n=$(wc -l <"$3")
	test "$n" "$1" "$2" || { echo >&2 "line count of $3 is $n, not $1 $2"; cat >&2 "$3"; return 1; }
}
# test_grep [-v] [grep options] PATTERN FILE
test_grep() {
	if test "$1" = "-v"; then
		shift
		! grep "$@" && return 0
		echo >&2 "test_grep: unexpected match for $*"
		return 1
	fi
	grep "$@" && return 0
	echo >&2 "test_grep: no match for: $*"
	local last
	for last; do :; done
	test -f "$last" && sed 's/^/| /' "$last" >&2
	return 1
}

# test_wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
test_wait_for() {
	local limit=$(($1 * 10)) i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		test $i -ge $limit && return 1
		sleep 0.1
	done
	return 0
}

# ---- solum helpers ----

# test_free_port: print a loopback TCP port nobody listens on now.
test_free_port() {
	local p i
	for i in $(seq 1 50); do
		# below the ephemeral range (32768-), so no outgoing connection holds it
		p=$((10000 + (RANDOM * 7 + $$ + i * 131) % 22000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
			echo $p
			return 0
		fi
	done
	return 1
}

test_port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# solum_init [DIR]: create a home (default $TRASH/home) and export SOLUM_HOME.
solum_init() {
	SOLUM_HOME=${1:-$TRASH_DIRECTORY/home}
	export SOLUM_HOME
	solum init >"$TRASH_DIRECTORY/init.out" 2>&1 || {
		cat "$TRASH_DIRECTORY/init.out" >&2
		return 1
	}
}

# solum_key NAME: make an ed25519 key pair keys/NAME, keys/NAME.pub.
solum_key() {
	mkdir -p "$TRASH_DIRECTORY/keys" &&
	rm -f "$TRASH_DIRECTORY/keys/$1" "$TRASH_DIRECTORY/keys/$1.pub" &&
	ssh-keygen -q -t ed25519 -N '' -C "$1@test" -f "$TRASH_DIRECTORY/keys/$1"
}

# solum_user NAME [ROLE REPO]...: a key for NAME registered with solum, and
# the given grants.
solum_user() {
	local user=$1
	shift
	solum_key "$user" &&
	solum key add "$user" "$TRASH_DIRECTORY/keys/$user.pub" >/dev/null || return 1
	while test $# -ge 2; do
		solum grant "$user" "$2" --role "$1" >/dev/null || return 1
		shift 2
	done
}

# solum_start_sshd: run `solum sshd` on a free port; sets SSHD_PORT and
# SSHD_PID, logs to sshd.log.
solum_start_sshd() {
	SSHD_PORT=$(test_free_port) || return 1
	solum sshd --listen "127.0.0.1:$SSHD_PORT" "$@" \
		>>"$TRASH_DIRECTORY/sshd.log" 2>&1 &
	SSHD_PID=$!
	test_bg_register $SSHD_PID
	test_wait_for 20 test_port_open "$SSHD_PORT" || {
		echo >&2 "solum sshd did not start"; cat >&2 "$TRASH_DIRECTORY/sshd.log"; return 1
	}
	export SSHD_PORT SSHD_PID
}

# ssh options for a user's key
solum_ssh_opts() {
	echo "-p $SSHD_PORT -i $TRASH_DIRECTORY/keys/$1 -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10"
}

# solum_ssh USER ARGS...: run ssh as USER against solum sshd.
solum_ssh() {
	local user=$1
	shift
	# shellcheck disable=SC2046
	ssh $(solum_ssh_opts "$user") solum@127.0.0.1 "$@"
}

# ssh_command USER: a GIT_SSH_COMMAND value for USER's key.
ssh_command() {
	echo "ssh -i $TRASH_DIRECTORY/keys/$1 -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
}

# as_user USER git ...: run git with GIT_SSH_COMMAND for USER's key.
as_user() {
	local user=$1
	shift
	GIT_SSH_COMMAND=$(ssh_command "$user") "$@"
}

solum_url() { echo "ssh://solum@127.0.0.1:$SSHD_PORT/$1.git"; }

# test_commit DIR MSG [FILE [CONTENT]]: commit a file in work tree DIR.
test_commit() {
	local dir=$1 msg=$2 file=${3:-$2.t} content=${4:-$2}
	mkdir -p "$dir/$(dirname "$file")" &&
	printf '%s\n' "$content" >"$dir/$file" &&
	git -C "$dir" add "$file" &&
	git -C "$dir" commit -q -m "$msg"
}
