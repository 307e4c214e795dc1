#!/bin/bash
# shellcheck disable=SC2016
test_description='sshcmd and authkeys against the real git and ssh-keygen'
. "$(dirname "$0")/lib.sh"

test_expect_success 'fingerprints match ssh-keygen for every key type' '
	for spec in "ed25519" "rsa 2048" "rsa 4096" "ecdsa 256" "ecdsa 384" \
		"ecdsa 521"; do
		set -- $spec &&
		rm -f k k.pub &&
		ssh-keygen -q -t "$1" ${2:+-b "$2"} -N "" -C "c o m" -f k &&
		test-tool authkey "$(cat k.pub)" >out &&
		ssh-keygen -lf k.pub | cut -d" " -f2 >expect &&
		head -n 1 out >actual &&
		test_cmp expect actual &&
		test "$(sed -n 2p out)" = "$(cut -d" " -f1 k.pub) c o m" || return 1
	done
'

test_expect_success 'what git sends for each remote form parses' '
	mkdir bin &&
	cat >bin/fake-ssh <<-\EOF &&
	#!/bin/sh
	# the last argument is the command git wants run remotely
	for last; do :; done
	printf "%s\n" "$last" >>"$(dirname "$0")/../sent"
	exit 1
	EOF
	chmod +x bin/fake-ssh &&
	git init -q repo &&
	test_commit repo one &&
	for url in ssh://solum@h:2222/web.git ssh://solum@h/web solum@h:web.git \
		solum@h:web; do
		GIT_SSH_COMMAND="$TRASH_DIRECTORY/bin/fake-ssh" test_must_fail \
			git -C repo -c ssh.variant=ssh ls-remote "$url" 2>/dev/null
		GIT_SSH_COMMAND="$TRASH_DIRECTORY/bin/fake-ssh" test_must_fail \
			git -C repo -c ssh.variant=ssh push "$url" master 2>/dev/null
	done &&
	test_line_count = 8 sent &&
	while read -r cmd; do
		test-tool sshcmd "$cmd" >parsed &&
		test_grep -E "^(upload|receive)-pack web$" parsed || return 1
	done <sent
'

test_expect_success 'hostile exec strings are refused with one line' '
	for cmd in "git-upload-pack '\''../x'\''" "git-upload-pack '\''~/web.git'\''" \
		"sh" "app list; id" "git-upload-pack '\''web'\'' '\''x'\''"; do
		test_expect_code 1 test-tool sshcmd "$cmd" >out 2>err &&
		test_line_count = 1 err &&
		test_line_count = 0 out || return 1
	done
'

test_done
