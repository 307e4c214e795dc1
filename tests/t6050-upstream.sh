#!/bin/bash
test_description='deploy --fetch: an app'"'"'s upstream fetched with libgit2 (file://, and ssh:// from another solum) before the pipeline'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_setup

UPSTREAM=$TRASH_DIRECTORY/upstream/web.git

# releases_count APP: how many releases APP has
releases_count() {
	solum releases "$1" --json | grep -c '"number":'
}

test_expect_success DOCKER 'setup' '
	deploy_setup &&
	git init -q --bare "$UPSTREAM" &&
	make_app src one &&
	git -C src push -q "$UPSTREAM" master &&
	solum app create web --health /version.txt --upstream "file://$UPSTREAM" >/dev/null
'

test_expect_success DOCKER 'a commit of a file:// upstream is fetched and deployed' '
	sha=$(git -C src rev-parse HEAD) &&
	solum deploy web "$sha" --fetch >out 2>&1 ||
	{ cat out; false; } &&
	test_grep "^-----> Fetching ${sha:0:7} from file://" out &&
	test_grep "web v1 is running at" out &&
	url=$(sed -n "s/.* is running at \(http[^ ]*\) .*/\1/p" out) &&
	curl -fsS "${url}version.txt" >got &&
	echo one >expect &&
	test_cmp expect got &&
	solum releases web --json >json &&
	test_grep "\"commit\": \"$sha\"" json &&
	test_grep "\"tree\": \"$(git -C src rev-parse HEAD^{tree})\"" json &&
	test "$(git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse refs/solum/upstream/master)" = "$sha" &&
	test "$(git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse refs/heads/master)" = "$sha"
'

test_expect_success DOCKER 'a newer upstream commit fast-forwards the branch of solum'"'"'s repository' '
	make_app src two &&
	git -C src push -q "$UPSTREAM" master &&
	sha=$(git -C src rev-parse HEAD) &&
	solum deploy web "$sha" --fetch >out 2>&1 ||
	{ cat out; false; } &&
	test_grep "web v2 is running at" out &&
	test "$(git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse refs/heads/master)" = "$sha"
'

test_expect_success DOCKER 'kill -9 while fetching: the release is interrupted, v2 serves on, a retry deploys' '
	make_app src three &&
	git -C src push -q "$UPSTREAM" master &&
	sha=$(git -C src rev-parse HEAD) &&
	deploy_paused web fetching "$sha" --fetch &&
	kill_hard "$DEPLOY_PID" &&
	solum releases web >list &&
	test_grep "^ *v3 .*failed .*(interrupted)" list &&
	url=$(solum app show web --json | sed -n "s/.*\"url\": \"\([^\"]*\)\".*/\1/p") &&
	curl -fsS "${url}version.txt" >got &&
	echo two >expect &&
	test_cmp expect got &&
	solum deploy web "$sha" --fetch >out 2>&1 ||
	{ cat out; false; } &&
	curl -fsS "${url}version.txt" >got &&
	echo three >expect &&
	test_cmp expect got
'

test_expect_success DOCKER 'a commit the upstream does not have fails the release, nothing else changes' '
	test_must_fail solum deploy web 0123456789abcdef0123456789abcdef01234567 --fetch >out 2>&1 &&
	test_grep "commit 0123456789ab is not on branch .master. of upstream .file://" out &&
	solum releases web --json >json &&
	test_grep "\"status\": \"failed\"" json &&
	url=$(solum app show web --json | sed -n "s/.*\"url\": \"\([^\"]*\)\".*/\1/p") &&
	curl -fsS "${url}version.txt" >got &&
	echo three >expect &&
	test_cmp expect got
'

test_expect_success DOCKER 'an upstream without the app'"'"'s branch says so' '
	solum app create other --branch release --upstream "file://$UPSTREAM" >/dev/null &&
	test_must_fail solum deploy other 0123456789abcdef0123456789abcdef01234567 --fetch >out 2>&1 &&
	test_grep "upstream .file://$UPSTREAM. has no branch .release." out
'

test_expect_success 'bad --fetch arguments are refused before anything is queued' '
	n=$(releases_count web) &&
	test_must_fail solum deploy web --fetch 2>err &&
	test_grep "40 hex digits" err &&
	test_must_fail solum deploy web HEAD --fetch 2>err &&
	test_grep "40 hex digits" err &&
	test_must_fail solum deploy web 0123456789ABCDEF0123456789ABCDEF01234567 --fetch 2>err &&
	test "$(releases_count web)" = "$n"
'

test_expect_success 'an upstream of another scheme is refused with one line' '
	for url in "ext::sh -c touch% $TRASH_DIRECTORY/pwned" "$UPSTREAM" \
		"ssh://h/it'"'"'s" "ssh://h:0/x" "fd::17"
	do
		test_must_fail solum app create odd --upstream "$url" 2>err &&
		test_line_count = 1 err &&
		test_grep "upstream" err &&
		test_must_fail solum app show odd 2>/dev/null || return 1
	done &&
	test_must_fail solum app set web --upstream "$UPSTREAM" 2>err &&
	test_grep "is not a file://, http(s):// or ssh:// URL" err &&
	solum app show web >show &&
	test_grep "^upstream: *file://" show &&
	test_path_is_missing "$TRASH_DIRECTORY/pwned"
'

# The upstream is another solum: its own home, SSH front and repository
# "up", which solum's client key may read.
HOME2=$TRASH_DIRECTORY/home2

test_expect_success 'setup: another solum serves the upstream over its SSH front' '
	upstream_solum "$HOME2" "$TRASH_DIRECTORY/src" &&
	cp upstream.port port2 &&
	solum app create viassh --health /version.txt \
		--upstream "ssh://solum@127.0.0.1:$(cat port2)/up.git" >/dev/null
'

test_expect_success DOCKER 'an unknown host key is refused: nothing fetched' '
	sha=$(git -C src rev-parse HEAD) &&
	rm -f "$SOLUM_HOME/ssh/known_hosts" &&
	test_must_fail solum deploy viassh "$sha" --fetch >out 2>&1 &&
	test_grep "the host key of \[127.0.0.1\]:$(cat port2) is not in .*known_hosts.: refused" out &&
	echo "gitlab.example.com $(cut -d" " -f1,2 "$HOME2/ssh/host_ed25519_key.pub")" \
		>"$SOLUM_HOME/ssh/known_hosts" &&
	test_must_fail solum deploy viassh "$sha" --fetch >out 2>&1 &&
	test_grep "the host key of \[127.0.0.1\]:$(cat port2) is not in .*known_hosts.: refused" out &&
	test_must_fail git --git-dir="$SOLUM_HOME/repos/viassh.git" rev-parse --verify -q refs/solum/upstream/master
'

test_expect_success DOCKER 'another key for that host is refused as a changed key' '
	solum_key other &&
	echo "[127.0.0.1]:$(cat port2) $(cut -d" " -f1,2 "$TRASH_DIRECTORY/keys/other.pub")" \
		>"$SOLUM_HOME/ssh/known_hosts" &&
	test_must_fail solum deploy viassh "$sha" --fetch >out 2>&1 &&
	test_grep "the host key of \[127.0.0.1\]:$(cat port2) is not the one in" out
'

test_expect_success DOCKER 'with the host key known, the commit comes over SSH and deploys' '
	{
		echo "# solum upstreams" &&
		echo "[127.0.0.1]:$(cat port2) $(cut -d" " -f1,2 "$HOME2/ssh/host_ed25519_key.pub")"
	} >"$SOLUM_HOME/ssh/known_hosts" &&
	solum deploy viassh "$sha" --fetch >out 2>&1 ||
	{ cat out sshd2.log; false; } &&
	test_grep "^-----> Fetching ${sha:0:7} from ssh://" out &&
	test_grep "viassh v[0-9]* is running at" out &&
	test "$(git --git-dir="$SOLUM_HOME/repos/viassh.git" rev-parse refs/solum/upstream/master)" = "$sha"
'

test_expect_success DOCKER 'what the upstream says when it refuses is in the error' '
	solum --home "$HOME2" revoke fetcher up >/dev/null &&
	make_app src four &&
	git --git-dir="$HOME2/repos/up.git" fetch -q "$TRASH_DIRECTORY/src" master:master &&
	test_must_fail solum deploy viassh "$(git -C src rev-parse HEAD)" --fetch >out 2>&1 &&
	test_grep "cannot fetch upstream .ssh://solum@127.0.0.1:$(cat port2)/up.git.: the upstream said: solum: repository .up. not found" out
'

test_done
