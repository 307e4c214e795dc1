#!/bin/bash
test_description='http: the libcurl wrapper against a fake server that misbehaves'

. "$(dirname "$0")/lib.sh"

# A fake HTTP server on 127.0.0.1, for faults a real engine will not show:
# what it does depends on the path. One connection at a time.
cat >fake-server.pl <<'EOT'
use strict;
use warnings;
use IO::Socket::INET;

my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	Listen => 5, ReuseAddr => 1) or die "listen: $!";
open(my $pf, '>', $ARGV[0]) or die; print $pf $srv->sockport, "\n"; close $pf;
$SIG{ALRM} = sub { exit 0 };
alarm 120;
while (my $c = $srv->accept) {
	$c->autoflush(1);
	my $req = <$c>;
	next unless defined $req;
	my ($method, $path) = split / /, $req;
	my %h;
	while (my $l = <$c>) {
		$l =~ s/\r?\n$//;
		last if $l eq '';
		my ($k, $v) = split /:\s*/, $l, 2;
		$h{lc $k} = $v;
	}
	my $body = '';
	if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
		while (my $sz = <$c>) {
			$sz =~ s/\r?\n$//;
			my $n = hex $sz;
			last if $n == 0;
			my $chunk = '';
			while (length($chunk) < $n) {
				my $more;
				last unless read($c, $more, $n - length($chunk));
				$chunk .= $more;
			}
			$body .= $chunk;
			my $crlf = <$c>;
		}
		my $end = <$c>;
	} elsif ($h{'content-length'}) {
		read($c, $body, $h{'content-length'});
	}
	my $reply = sub {
		my ($status, $type, $text) = @_;
		print $c "HTTP/1.1 $status\r\nContent-Type: $type\r\nContent-Length: ",
			length($text), "\r\nConnection: close\r\n\r\n", $text;
	};
	if ($path eq '/ok') {
		$reply->('200 OK', 'application/json', "{\"ok\":true}\n");
	} elsif ($path =~ m{^/big/(\d+)$}) {
		$reply->('200 OK', 'text/plain', 'x' x $1);
	} elsif ($path eq '/status/503') {
		$reply->('503 Service Unavailable', 'application/json',
			"{\"message\":\"down for maintenance\"}\n");
	} elsif ($path eq '/echo') {
		my $te = $h{'transfer-encoding'} // 'none';
		$reply->('200 OK', 'text/plain', "te=$te len=" . length($body) . "\n$body");
	} elsif ($path eq '/cut') {
		print $c "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789";
	} elsif ($path eq '/stall') {
		print $c "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial";
		# until the client gives up
		my $rin = ''; vec($rin, fileno($c), 1) = 1;
		select(my $r = $rin, undef, undef, 20);
	} elsif ($path eq '/nothing') {
		# close without a word
	}
	close $c;
}
EOT

test_expect_success 'start the fake server' '
	perl fake-server.pl port >fake.log 2>&1 &
	test_bg_register $! &&
	test_wait_for 10 test -s port &&
	PORT=$(cat port) &&
	BASE=http://127.0.0.1:$PORT
'

test_expect_success 'a plain GET; tcp:// means http' '
	test-tool docker http "$BASE" GET /ok >out 2>err &&
	echo "{\"ok\":true}" >expect &&
	test_cmp expect out &&
	test_grep "^status 200$" err &&
	test_grep "^content-type application/json$" err &&
	test-tool docker http "tcp://127.0.0.1:$PORT" GET /ok >out &&
	test_cmp expect out
'

test_expect_success 'an error status is an answer, with its body' '
	test-tool docker http "$BASE" GET /status/503 >out 2>err &&
	test_grep "^status 503$" err &&
	test_grep "down for maintenance" out
'

test_expect_success 'a body over the cap is an error' '
	test-tool docker http "$BASE" GET /big/1000 --max 1000 >out &&
	test_must_fail test-tool docker http "$BASE" GET /big/1001 --max 1000 2>err &&
	echo "test-tool: GET /big/1001: response body larger than 1000 bytes" >expect &&
	test_cmp expect err
'

test_expect_success 'streamed bodies go chunked; buffers are not' '
	test-tool docker http "$BASE" POST /echo --data "hello body" >out &&
	printf "te=chunked len=10\nhello body" >expect &&
	test_cmp expect out &&
	printf "from stdin" | test-tool docker http "$BASE" PUT /echo --stdin >out &&
	printf "te=chunked len=10\nfrom stdin" >expect &&
	test_cmp expect out
'

test_expect_success 'a body cut short is an error' '
	test_must_fail test-tool docker http "$BASE" GET /cut 2>err &&
	test_grep "^test-tool: GET /cut: connection to $BASE broken before the response was complete" err
'

test_expect_success 'a server that closes without answering' '
	test_must_fail test-tool docker http "$BASE" GET /nothing 2>err &&
	echo "test-tool: GET /nothing: $BASE closed the connection without answering" >expect &&
	test_cmp expect err
'

test_expect_success 'a stalled transfer times out' '
	test_must_fail test-tool docker http "$BASE" GET /stall --idle 1 2>err &&
	echo "test-tool: GET /stall: timed out talking to $BASE: no data for 1 s" >expect &&
	test_cmp expect err &&
	test_must_fail test-tool docker http "$BASE" GET /stall --timeout 1 2>err &&
	echo "test-tool: GET /stall: timed out talking to $BASE after 1 s" >expect &&
	test_cmp expect err
'

test_expect_success 'connection failures are retried for GET only, a bounded number of times' '
	port=$(test_free_port) &&
	start=$(date +%s%N) &&
	test_must_fail test-tool docker http "http://127.0.0.1:$port" GET /ok --retries 3 2>err &&
	end=$(date +%s%N) &&
	test $(( (end - start) / 1000000 )) -ge 300 &&
	echo "test-tool: GET /ok: cannot connect to http://127.0.0.1:$port: Connection refused" >expect &&
	test_cmp expect err &&
	start=$(date +%s%N) &&
	test_must_fail test-tool docker http "http://127.0.0.1:$port" POST /ok --retries 3 2>err &&
	end=$(date +%s%N) &&
	test $(( (end - start) / 1000000 )) -lt 300
'

test_expect_success 'a unix socket path must be absolute' '
	test_must_fail test-tool docker http "unix://relative.sock" GET /ok 2>err &&
	test_grep "needs an absolute path" err
'

test_done
