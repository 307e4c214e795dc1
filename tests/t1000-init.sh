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

test_expect_success 'the home is the owner'"'"'s alone, whatever the umask' '
	(umask 000 && solum --home "$HOME/u" init >/dev/null &&
	 solum --home "$HOME/u" app create web >/dev/null) &&
	test "$(stat -c %a u)" = 700 &&
	for f in u/solum.yaml u/solum.db u/ssh/host_ed25519_key \
		u/ssh/host_rsa_key.pub
	do
		test "$(stat -c %a "$f")" = 600 || return 1
	done &&
	for d in u/repos u/logs u/ssh u/repos/web.git u/repos/web.git/objects
	do
		test "$(stat -c %a "$d")" = 700 || return 1
	done &&
	find u ! -type l -perm /077 >open &&
	test_line_count = 0 open
'

test_expect_success 'the database'"'"'s WAL and shared-memory files are the owner'"'"'s too' '
	printf "BEGIN;\nSELECT count(*) FROM apps;\n.shell stat -c %%a u/solum.db-wal u/solum.db-shm\nCOMMIT;\n" >read.sql &&
	(umask 000 && sqlite3 u/solum.db <read.sql) >modes &&
	printf "1\n600\n600\n" >expect &&
	test_cmp expect modes
'

test_expect_success 'sshd refuses a home others can read, naming the path' '
	solum --home "$HOME/s" init >/dev/null &&
	port=$(test_free_port) &&
	chmod 755 s &&
	test_must_fail solum --home "$HOME/s" sshd --listen "127.0.0.1:$port" 2>err &&
	echo "solum: '"'"'$HOME/s'"'"' is open to other users (mode 0755, want 0700); refusing to start ('"'"'solum init'"'"' repairs the home)" >expect &&
	test_cmp expect err &&
	chmod 700 s && chmod 644 s/solum.yaml &&
	test_must_fail solum --home "$HOME/s" sshd --listen "127.0.0.1:$port" 2>err &&
	test_grep "^solum: .$HOME/s/solum.yaml. is open to other users (mode 0644" err &&
	chmod 600 s/solum.yaml && chmod 660 s/solum.db &&
	test_must_fail solum --home "$HOME/s" sshd --listen "127.0.0.1:$port" 2>err &&
	test_grep "^solum: .$HOME/s/solum.db. is open to other users (mode 0660" err &&
	chmod 600 s/solum.db && chmod 640 s/ssh/host_rsa_key &&
	test_must_fail solum --home "$HOME/s" sshd --listen "127.0.0.1:$port" 2>err &&
	test_grep "^solum: .$HOME/s/ssh/host_rsa_key. is open to other users" err &&
	test_line_count = 1 err &&
	! test_port_open "$port"
'

test_expect_success 'init repairs the home; then sshd starts' '
	chmod -R go+rwX s &&
	chmod 777 s/ssh/host_ed25519_key &&
	solum --home "$HOME/s" init >out &&
	test_grep "solum home ready" out &&
	find s ! -type l -perm /077 >open &&
	test_line_count = 0 open &&
	test "$(stat -c %a s/ssh/host_ed25519_key)" = 700 &&
	SOLUM_HOME=$HOME/s solum_start_sshd &&
	kill "$SSHD_PID"
'

test_expect_success 'init rewrites the hooks of existing repositories (an upgrade)' '
	solum --home "$HOME/up" init >/dev/null &&
	solum --home "$HOME/up" app create web >/dev/null &&
	solum --home "$HOME/up" app create gated --repo other --gate >/dev/null &&
	echo "#!/bin/sh" >"$HOME/up/repos/web.git/hooks/post-receive" &&
	rm "$HOME/up/repos/other.git/hooks/pre-receive" &&
	solum --home "$HOME/up" init >/dev/null &&
	test_grep "hook post-receive" "$HOME/up/repos/web.git/hooks/post-receive" &&
	test_grep "hook pre-receive" "$HOME/up/repos/other.git/hooks/pre-receive" &&
	test_path_is_missing "$HOME/up/repos/web.git/hooks/pre-receive"
'

test_expect_success 'every command has --help' '
	for c in init sshd app key grant revoke grants hook deploy releases logs rollback cancel
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
