#!/bin/bash
test_description='solum init, the home and its configuration'
. "$(dirname "$0")/lib.sh"

test_expect_success 'init creates the home' '
	solum --home "$HOME/h" init >out &&
	test_grep "solum home ready in $HOME/h (wrote solum.yaml)" out &&
	test_path_is_dir h/repos &&
	test_path_is_dir h/logs &&
	test_path_is_file h/solum.yaml &&
	test_path_is_file h/solum.db &&
	test_path_is_file h/ssh/host_ed25519_key &&
	test_path_is_file h/ssh/host_rsa_key &&
	test "$(stat -c %a h/ssh/host_ed25519_key)" = 600
'

test_expect_success 'init is idempotent and keeps keys and configuration' '
	cp h/ssh/host_ed25519_key key.before &&
	echo "# mine" >>h/solum.yaml &&
	solum --home "$HOME/h" init >out &&
	test_grep -v "wrote solum.yaml" out &&
	test_cmp key.before h/ssh/host_ed25519_key &&
	test_grep "# mine" h/solum.yaml
'

test_expect_success 'SOLUM_HOME names the home' '
	SOLUM_HOME="$HOME/h2" solum init &&
	test_path_is_file h2/solum.db
'

test_expect_success 'a command on a missing home says to run init' '
	test_must_fail solum --home "$HOME/nope" app list 2>err &&
	test_grep "run .solum --home $HOME/nope init. first" err
'

test_expect_success 'unknown configuration keys are errors naming key and line' '
	cp h/solum.yaml saved.yaml &&
	test_when_finished "cp saved.yaml h/solum.yaml" &&
	printf "sshd:\n  listen: 127.0.0.1:2222\n  max_startup: 3\n" >h/solum.yaml &&
	test_must_fail solum --home "$HOME/h" app list 2>err &&
	echo "solum: solum.yaml:3: unknown key '"'"'sshd.max_startup'"'"'" >expect &&
	test_cmp expect err
'

test_expect_success 'bad values are errors naming key, line and value' '
	cp h/solum.yaml saved.yaml &&
	test_when_finished "cp saved.yaml h/solum.yaml" &&
	printf "deploy:\n  progress_interval: soon\n" >h/solum.yaml &&
	test_must_fail solum --home "$HOME/h" app list 2>err &&
	test_grep "solum.yaml:2: deploy.progress_interval: expected an integer from 1 to 300, got .soon." err &&
	test_line_count = 1 err
'

test_expect_success 'broken YAML is an error with its line' '
	cp h/solum.yaml saved.yaml &&
	test_when_finished "cp saved.yaml h/solum.yaml" &&
	printf "sshd:\n  listen: [\n" >h/solum.yaml &&
	test_must_fail solum --home "$HOME/h" init 2>err &&
	test_grep "solum: solum.yaml:[0-9]*: " err
'

test_expect_success 'a database from a newer solum is refused' '
	solum --home "$HOME/h3" init &&
	sqlite3 h3/solum.db "PRAGMA user_version = 999" &&
	test_must_fail solum --home "$HOME/h3" app list 2>err &&
	test_grep "schema version 999; this solum knows up to" err
'

test_expect_success 'the database runs in WAL mode' '
	test "$(sqlite3 h/solum.db "PRAGMA journal_mode")" = wal
'

test_expect_success 'every command has --help' '
	for c in init sshd app key grant revoke hook deploy releases logs rollback cancel
	do
		solum --home "$HOME/h" $c --help >out || return 1
		test_grep "usage: solum" out || return 1
	done
'

test_expect_success 'unknown commands are one clear line' '
	test_must_fail solum --home "$HOME/h" frobnicate 2>err &&
	test_grep "'"'"'frobnicate'"'"' is not a solum command" err &&
	test_line_count = 1 err
'

test_done
