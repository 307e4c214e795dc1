#!/bin/bash
test_description='jsonstream: Docker JSON-lines split into messages'

. "$(dirname "$0")/lib.sh"

test_expect_success 'messages come out whole whatever the reads' '
	printf "{\"stream\":\"Step 1/2\\\\n\"}\r\n\n{\"status\":\"Pushing\",\"id\":\"a1\"}{\"aux\":{\"ID\":\"sha256:00\"}}\n{\"error\":\"boom\"}" >in &&
	cat >expect <<-\EOT &&
	{"stream":"Step 1/2\n"}
	{"id":"a1","status":"Pushing"}
	{"aux":{"ID":"sha256:00"}}
	{"error":"boom"}
	EOT
	for chunk in 1 2 3 7 64 65536; do
		test-tool jsonstream --chunk $chunk <in >out &&
		test_cmp expect out || return 1
	done
'

test_expect_success 'an overlong line is an error' '
	printf "{\"a\":\"%0100d\"}\n" 0 >long &&
	test_must_fail test-tool jsonstream --max 64 <long 2>err &&
	echo "test-tool: jsonstream: line 1 longer than 64 bytes" >expect &&
	test_cmp expect err &&
	test-tool jsonstream --max 200 <long >out &&
	test_line_count = 1 out
'

test_expect_success 'invalid JSON names its line' '
	printf "{}\n{\"a\":\n" >bad &&
	test_must_fail test-tool jsonstream <bad 2>err &&
	test_grep "^test-tool: jsonstream: line 2: invalid JSON: " err
'

test_done
