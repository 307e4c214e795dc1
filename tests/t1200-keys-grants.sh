#!/bin/bash
test_description='solum key and grant: users, their keys and roles'
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup' '
	solum_init &&
	solum app create web &&
	solum_key alice &&
	solum_key bob
'

test_expect_success 'key add stores the key with OpenSSH fingerprint' '
	solum key add alice keys/alice.pub >out &&
	fp=$(ssh-keygen -lf keys/alice.pub | cut -d" " -f2) &&
	test_grep "added ssh-ed25519 key $fp for .alice." out &&
	solum key list >out &&
	test_grep "^alice  *ssh-ed25519  *$fp alice@test" out
'

test_expect_success 'key add reads standard input' '
	solum key add bob - <keys/bob.pub &&
	solum key list bob --json >json &&
	test_grep "\"user\": \"bob\"" json
'

test_expect_success 'a key belongs to one user' '
	test_must_fail solum key add bob keys/alice.pub 2>err &&
	test_grep "already belongs to user .alice." err
'

test_expect_success 'bad key files are refused, naming the line' '
	printf "\n# comment\nssh-ed25519 notbase64!! x\n" >bad.pub &&
	test_must_fail solum key add carol bad.pub 2>err &&
	test_grep "bad.pub:3: " err &&
	test_line_count = 1 err &&
	printf "command=\"sh\" %s\n" "$(cat keys/alice.pub)" >opts.pub &&
	test_must_fail solum key add carol opts.pub 2>err &&
	test_grep "opts.pub:1: " err &&
	: >empty.pub &&
	test_must_fail solum key add carol empty.pub 2>err &&
	test_grep "no public key" err &&
	solum key list >out &&
	test_grep -v carol out
'

test_expect_success 'a file that is not a key list: refused by line number, never quoted' '
	printf "root:\$y\$j9T\$hunter2salt:19000:0:99999:7:::\ndaemon:*:19000::::::\n" >shadow &&
	test_must_fail solum key add carol shadow 2>err &&
	echo "solum: shadow:1: not a public key: no known key type (such as ssh-ed25519) at the start of the line" >expect &&
	test_cmp expect err &&
	printf "hunter2 %s\n" "$(cat keys/alice.pub)" >opts2.pub &&
	test_must_fail solum key add carol opts2.pub 2>err &&
	test_grep "opts2.pub:1: key options are not supported" err &&
	test_grep -v hunter2 err &&
	test_must_fail solum key add carol - <shadow 2>err &&
	test_grep "^solum: standard input:1: not a public key" err
'

test_expect_success 'grant and revoke roles' '
	solum grant alice web --role read >out &&
	test_grep "granted read on .web. to .alice." out &&
	solum grant alice web --role push &&
	solum grant bob "*" --role admin &&
	test_must_fail solum grant alice nope 2>err &&
	test_grep "repository .nope. not found" err &&
	test_must_fail solum grant alice web --role root 2>err &&
	test_grep "invalid role .root." err &&
	solum revoke alice web &&
	test_must_fail solum revoke alice web 2>err &&
	test_grep "has no role on .web." err
'

test_expect_success 'grants lists the grants, of a user or on a repository' '
	solum app create api >/dev/null &&
	solum grant alice web --role read >/dev/null &&
	solum grant alice api --role admin >/dev/null &&
	solum grant carol web >/dev/null &&
	solum grants >out &&
	cat >expect <<-\EOF &&
	USER                     REPO                     ROLE
	alice                    api                      admin
	alice                    web                      read
	bob                      *                        admin
	carol                    web                      push
	EOF
	test_cmp expect out &&
	solum grants web >out &&
	test_grep -c "web" out >n && test "$(cat n)" = 2 &&
	test_grep -v "^bob" out &&
	solum grants alice >out &&
	test_line_count = 3 out &&
	solum grants "*" >out &&
	test_grep "^bob  *\*  *admin" out &&
	test_line_count = 2 out &&
	solum grants carol --json >json &&
	test_grep "\"user\": \"carol\"" json &&
	test_grep "\"role\": \"push\"" json &&
	test "$(head -c1 json)" = "[" &&
	test_must_fail solum grants "a..b" 2>err &&
	test_grep "invalid user or repository name .a..b.: .*one at a time" err &&
	test_must_fail solum grants web carol 2>err &&
	test_grep "^usage: solum grants" err
'

test_expect_success 'key remove by fingerprint or all' '
	fp=$(ssh-keygen -lf keys/bob.pub | cut -d" " -f2) &&
	test_must_fail solum key remove bob SHA256:nope 2>err &&
	solum key remove bob "$fp" >out &&
	test_grep "removed 1 key of .bob." out &&
	solum key remove alice &&
	solum key list >out &&
	test_line_count = 0 out
'

test_done
