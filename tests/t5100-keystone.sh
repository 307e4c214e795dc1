#!/bin/bash
test_description='keystone: tokens and the catalog, against a fake server that misbehaves and the real Keystone'

. "$(dirname "$0")/lib.sh"

# A fake Keystone on 127.0.0.1, for faults the real one will not show on
# demand: what it does depends on the user name in the request. It also
# serves an "image" endpoint that refuses tokens starting "old-" with 401,
# as a service does with an expired token. One connection at a time.
cat >fake-keystone.pl <<'EOT'
use strict;
use warnings;
use IO::Socket::INET;
use JSON::PP;

my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	Listen => 5, ReuseAddr => 1) or die "listen: $!";
my $port = $srv->sockport;
open(my $pf, '>', $ARGV[0]) or die; print $pf "$port\n"; close $pf;
$SIG{ALRM} = sub { exit 0 };
alarm 120;
my %count;
my $base = "http://127.0.0.1:$port";
my $catalog = [
	{ type => 'identity', endpoints => [
		{ interface => 'public', region_id => 'RegionOne', url => "$base/v3/" } ] },
	{ type => 'image', endpoints => [
		{ interface => 'public', region_id => 'RegionOne', url => "$base/image" },
		{ interface => 'internal', region_id => 'RegionOne', url => "http://10.9.9.9:9292" } ] },
	{ type => 'orchestration', endpoints => [
		{ interface => 'public', region_id => 'RegionOne', url => "$base/v1/p42" } ] },
];
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
	read($c, $body, $h{'content-length'}) if $h{'content-length'};
	print STDERR "$method $path token=", ($h{'x-auth-token'} // '-'), "\n";
	my $reply = sub {
		my ($status, $text, @extra) = @_;
		print $c "HTTP/1.1 $status\r\nContent-Type: application/json\r\n",
			map({ "$_\r\n" } @extra), "Content-Length: ",
			length($text), "\r\nConnection: close\r\n\r\n", $text;
	};
	if ($method eq 'POST' && $path eq '/v3/auth/tokens') {
		my $j = eval { decode_json($body) } // {};
		my $id = $j->{auth}{identity} // {};
		my $user = $id->{password}{user} // {};
		my $name = $user->{name} // $id->{application_credential}{id} //
			($id->{token} ? 'token' : '?');
		if (open(my $bf, '>', "body.$name")) { print $bf "$body\n"; close $bf; }
		my $n = ++$count{$name};
		if ($name eq 'demo' && ($user->{password} // '') ne 's3cret-pw') {
			$reply->('401 Unauthorized', encode_json({ error => {
				code => 401, title => 'Unauthorized', message =>
				'The request you have made requires authentication.' } }),
				"WWW-Authenticate: Keystone uri=\"$base/v3\"");
		} elsif ($name eq 'boom') {
			$reply->('500 Internal Server Error', encode_json({ error => {
				code => 500, title => 'Internal Server Error', message =>
				'An unexpected error prevented the server from fulfilling your request.' } }));
		} elsif ($name eq 'cut') {
			print $c "HTTP/1.1 201 Created\r\nX-Subject-Token: new-cut\r\nContent-Length: 5000\r\n\r\n{\"token\":";
		} elsif ($name eq 'silent') {
			# close without a word
		} else {
			my $tok = (($name eq 'renew' && $n == 1) || $name eq 'revoked')
				? 'old-' : 'new-';
			$tok .= $name . '-' . $n . '-';
			$tok .= 'x' x (($name eq 'bigtoken' ? 20000 : 200) - length $tok);
			my @hdr = $name eq 'notoken' ? () : ("X-Subject-Token: $tok");
			$reply->('201 Created', encode_json({ token => {
				expires_at => '2026-12-01T17:43:45.000000Z',
				project => { id => 'p42', name => 'demo' },
				catalog => $name eq 'nocatalog' ? [] : $catalog } }), @hdr);
		}
	} elsif ($path =~ m{^/image/}) {
		if (($h{'x-auth-token'} // '') =~ /^new-/) {
			$reply->('200 OK', "{\"images\":[]}\n");
		} else {
			$reply->('401 Unauthorized', encode_json({ error => {
				code => 401, title => 'Unauthorized', message =>
				'The request you have made requires authentication.' } }));
		}
	} else {
		$reply->('404 Not Found', "{}");
	}
	close $c;
}
EOT

test_expect_success 'start the fake Keystone and write clouds.yaml' '
	perl fake-keystone.pl port 2>fake.log &
	test_bg_register $! &&
	test_wait_for 10 test -s port &&
	PORT=$(cat port) &&
	URL=http://127.0.0.1:$PORT &&
	mkdir -p .config/openstack &&
	{
		echo "clouds:" &&
		for user in demo wrong boom cut silent renew revoked bigtoken \
			notoken nocatalog
		do
			pw=s3cret-pw &&
			if test $user = wrong; then pw=not-the-pw; fi &&
			name=$user &&
			if test $user = wrong; then name=demo; fi &&
			cat <<-EOF || return 1
			  $user:
			    auth:
			      auth_url: $URL
			      username: $name
			      password: $pw
			      project_name: demo
			      user_domain_name: Default
			      project_domain_name: Default
			    region_name: RegionOne
			EOF
		done
	} >.config/openstack/clouds.yaml
'

test_expect_success 'authenticate: the catalog types and the token length, never the token' '
	test-tool keystone demo --endpoint orchestration >out 2>err &&
	cat >expect <<-EOF &&
	types: identity image orchestration
	token-length: 200
	project: p42
	expires: 1796147025
	endpoint: $URL/v1/p42
	EOF
	test_cmp expect out &&
	test ! -s err &&
	test_grep -v "new-demo" out &&
	test_grep "\"password\":\"s3cret-pw\"" body.demo &&
	test_grep "\"scope\":{\"project\":{\"name\":\"demo\",\"domain\":{\"name\":\"Default\"}}}" body.demo
'

test_expect_success 'a wrong password: Keystone says why, nothing secret shown' '
	test_must_fail test-tool keystone wrong >out 2>err &&
	echo "test-tool: keystone: authenticate as '\''demo'\'' at $URL/v3: HTTP 401: The request you have made requires authentication." >expect &&
	test_cmp expect err &&
	test_grep -v "not-the-pw" err
'

test_expect_success 'a 500 from Keystone' '
	test_must_fail test-tool keystone boom 2>err &&
	echo "test-tool: keystone: authenticate as '\''boom'\'' at $URL/v3: HTTP 500: An unexpected error prevented the server from fulfilling your request." >expect &&
	test_cmp expect err
'

test_expect_success 'a connection cut in the middle of the answer' '
	test_must_fail test-tool keystone cut 2>err &&
	test_grep "^test-tool: keystone: authenticate as '\''cut'\'' at $URL/v3: POST /auth/tokens: connection to $URL/v3 broken before the response was complete" err &&
	test_grep -v "new-cut" err &&
	test_must_fail test-tool keystone silent 2>err &&
	echo "test-tool: keystone: authenticate as '\''silent'\'' at $URL/v3: POST /auth/tokens: $URL/v3 closed the connection without answering" >expect &&
	test_cmp expect err
'

test_expect_success 'Keystone down: the error names the URL' '
	port=$(test_free_port) &&
	OS_AUTH_URL=http://127.0.0.1:$port/v3/ OS_USERNAME=demo \
	OS_PASSWORD=s3cret-pw OS_USER_DOMAIN_ID=default \
		test_must_fail test-tool keystone "" 2>err &&
	echo "test-tool: keystone: authenticate as '\''demo'\'' at http://127.0.0.1:$port/v3: POST /auth/tokens: cannot connect to http://127.0.0.1:$port/v3: Connection refused" >expect &&
	test_cmp expect err
'

test_expect_success 'an expired token: 401, renewed once, then the request succeeds' '
	test-tool keystone renew --get image /v2/images >out 2>err &&
	test_grep "^status: 200$" out &&
	test_grep "GET /image/v2/images token=old-renew-1-" fake.log &&
	test_grep "GET /image/v2/images token=new-renew-2-" fake.log &&
	test_grep -v "renew-[12]-" out err
'

test_expect_success 'a token refused again after renewal is the answer, not a loop' '
	test_must_fail test-tool keystone revoked --get image /v2/images >out &&
	test_grep "^status: 401$" out &&
	test $(grep -c "GET /image/v2/images token=old-revoked" fake.log) = 2
'

test_expect_success 'tokens are not assumed small, but they are capped' '
	test_must_fail test-tool keystone bigtoken 2>err &&
	echo "test-tool: keystone: authenticate as '\''bigtoken'\'' at $URL/v3: X-Subject-Token longer than 16384 bytes" >expect &&
	test_cmp expect err &&
	test_must_fail test-tool keystone notoken 2>err &&
	echo "test-tool: keystone: authenticate as '\''notoken'\'' at $URL/v3: the answer has no X-Subject-Token" >expect &&
	test_cmp expect err &&
	test_must_fail test-tool keystone nocatalog 2>err &&
	echo "test-tool: keystone: authenticate as '\''nocatalog'\'' at $URL/v3: the token has no service catalog (is a project given?)" >expect &&
	test_cmp expect err
'

test_expect_success 'endpoint selection errors list what exists' '
	test_must_fail test-tool keystone demo --endpoint image --interface admin 2>err &&
	echo "test-tool: keystone: no admin endpoint of '\''image'\'' in region '\''RegionOne'\'' (there are: public RegionOne, internal RegionOne)" >expect &&
	test_cmp expect err &&
	test_must_fail test-tool keystone demo --endpoint volumev3 2>err &&
	echo "test-tool: keystone: no '\''volumev3'\'' service in the catalog (there are: identity, image, orchestration)" >expect &&
	test_cmp expect err
'

test_expect_success 'application credentials and tokens as the request body' '
	OS_AUTH_URL=$URL OS_AUTH_TYPE=v3applicationcredential \
	OS_APPLICATION_CREDENTIAL_ID=ac1 \
	OS_APPLICATION_CREDENTIAL_SECRET=ac-s3cret \
		test-tool keystone "" >out &&
	test_grep "token-length: 200" out &&
	echo "{\"auth\":{\"identity\":{\"methods\":[\"application_credential\"],\"application_credential\":{\"id\":\"ac1\",\"secret\":\"ac-s3cret\"}}}}" >expect &&
	test_cmp expect body.ac1 &&
	OS_AUTH_URL=$URL OS_AUTH_TYPE=token OS_TOKEN=tok-s3cret \
	OS_PROJECT_ID=p42 test-tool keystone "" >out &&
	echo "{\"auth\":{\"identity\":{\"methods\":[\"token\"],\"token\":{\"id\":\"tok-s3cret\"}},\"scope\":{\"project\":{\"id\":\"p42\"}}}}" >expect &&
	test_cmp expect body.token
'

test_expect_success 'describe shows the cloud without its secrets' '
	test-tool keystone demo --describe >out &&
	test_grep "^auth.password: <set>$" out &&
	test_grep "^auth.username: demo$" out &&
	test_grep -v "s3cret-pw" out &&
	OS_CLOUD=nosuch test_must_fail test-tool keystone "" 2>err &&
	test_grep "^test-tool: cloud '\''nosuch'\'' not found in $HOME/.config/openstack/clouds.yaml (clouds there: bigtoken, boom, cut, demo, " err
'

# ---- the real Keystone ----
#
# tests/lib-openstack.sh (with scripts/openstack.sh) starts Keystone from
# the Debian packages; its test_openstack_setup leaves credentials that
# clouds_load finds: OS_CLOUD with a clouds.yaml, or the OS_* variables.
if ! command -v keystone-manage >/dev/null 2>&1; then
	say_diag "skipping the real Keystone: keystone is not installed (apt-get install keystone)"
elif ! test -f "$TEST_DIRECTORY/lib-openstack.sh"; then
	say_diag "skipping the real Keystone: tests/lib-openstack.sh is not there yet"
else
	. "$TEST_DIRECTORY/lib-openstack.sh"
	if type test_openstack_setup >/dev/null 2>&1; then
		test_openstack_setup && test_set_prereq KEYSTONE
	else
		say_diag "skipping the real Keystone: lib-openstack.sh has no test_openstack_setup"
	fi
fi

test_expect_success KEYSTONE 'the real Keystone: a token and its catalog' '
	test-tool keystone "${OS_CLOUD:-}" --endpoint identity >out &&
	test_grep "^types: .*identity" out &&
	test_grep "^token-length: [1-9][0-9]*$" out &&
	test_grep "^endpoint: http.*/v3/\\?$" out &&
	test-tool keystone "${OS_CLOUD:-}" --reauth >out &&
	test_grep "^renewed, token-length: [1-9]" out
'

test_expect_success KEYSTONE 'the real Keystone: a wrong password' '
	test-tool keystone "${OS_CLOUD:-}" --describe >cloud &&
	auth_url=$(sed -n "s/^auth.auth_url: //p" cloud) &&
	user=$(sed -n "s/^auth.username: //p" cloud) &&
	domain=$(sed -n "s/^auth.user_domain_name: //p" cloud) &&
	(
		unset OS_CLOUD OS_CLIENT_CONFIG_FILE &&
		OS_AUTH_URL=$auth_url OS_USERNAME=$user \
		OS_USER_DOMAIN_NAME=${domain:-Default} \
		OS_PASSWORD=certainly-wrong \
			test_must_fail test-tool keystone "" 2>err
	) &&
	test_grep "^test-tool: keystone: authenticate as '\''$user'\'' at .*: HTTP 401: The request you have made requires authentication.$" err &&
	test_grep -v certainly-wrong err
'

test_done
