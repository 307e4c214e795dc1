#!/usr/bin/perl
# fault-proxy.pl: an HTTP proxy in front of one server that fails on demand
#
#   perl tests/fault-proxy.pl PORTFILE UPSTREAM MODEFILE [SECS]
#
# UPSTREAM is 127.0.0.1:PORT or unix:/path/to/socket (a Docker engine).
# Listens on 127.0.0.1 on a free port (written to PORTFILE once it
# listens) and forwards every request to UPSTREAM, one connection per
# request (it asks both sides for Connection: close). Before each request
# it reads MODEFILE (missing or empty: "pass"); the faults apply to
# requests whose path matches the mode's pattern, all others pass through:
#
#   pass                      forward everything
#   status CODE BYTES RE      answer CODE (a JSON error body) to a request
#                             matching RE after reading BYTES of its body,
#                             without forwarding it
#   cut BYTES RE              forward a request matching RE, but close both
#                             connections after BYTES of its body went on
#   stall SECS RE             read nothing of a request matching RE and
#                             answer nothing for SECS seconds, then close
#   cutanswer BYTES RE        forward a request matching RE, but close both
#                             connections after BYTES of the answer came back
#   badhash RE                forward a request matching RE, but change the
#                             first digit of "os_hash_value" in the answer
#
# RE is a Perl regular expression on "METHOD PATH", e.g. '^PUT .*/file$'.
# Each request is logged to stderr as "METHOD PATH -> what". Exits after
# SECS seconds (default 600), and on SIGTERM.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use StubServer qw(stub_listen mode_line read_head);
use IO::Socket::INET;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use IO::Select;
use POSIX ();

my ($portfile, $upstream, $modefile, $secs) = @ARGV;
die "usage: fault-proxy.pl PORTFILE 127.0.0.1:PORT|unix:/PATH MODEFILE [SECS]\n"
	unless defined $modefile && $upstream =~ m{^(127\.0\.0\.1:\d+|unix:/.+)$};
$secs //= 600;

my $srv = stub_listen('fault-proxy', $portfile, $secs);

sub mode {
	my $l = mode_line($modefile);
	return ('pass') if $l eq '';
	my ($m) = split / /, $l;
	return split(/ /, $l, $m eq 'cut' || $m eq 'cutanswer' ? 3 : $m eq 'stall' ? 3 : $m eq 'badhash' ? 2 : 4);
}

# read and forget up to $n bytes of the request's body
sub skip_body {
	my ($c, $n) = @_;
	while ($n > 0) {
		my $got = sysread($c, my $b, $n > 65536 ? 65536 : $n);
		last unless $got;
		$n -= $got;
	}
}

sub answer {
	my ($c, $code) = @_;
	my %title = (500 => 'Internal Server Error', 503 => 'Service Unavailable',
		413 => 'Request Entity Too Large', 502 => 'Bad Gateway');
	my $t = $title{$code} // 'Error';
	my $body = "{\"message\": \"The request returned $code $t.\\n\\n fault-proxy: injected $code\", \"code\": \"$code $t\", \"title\": \"$t\"}";
	syswrite($c, "HTTP/1.1 $code $t\r\nContent-Type: application/json\r\n" .
		"Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body");
	# let the client see the answer before the connection goes: read
	# what it still sends until it hangs up (at most 10 s), as servers do,
	# so that no reset overtakes the answer however slowly it sends
	shutdown($c, 1);
	my $sel = IO::Select->new($c);
	my $end = time + 10;
	while (time < $end) {
		next unless $sel->can_read(0.5);
		last unless sysread($c, my $b, 65536);
	}
}

# relay between the client and upstream; `cut`: close after that many
# bytes from the client (after the head), `cutanswer`: from upstream
sub relay {
	my ($c, $u, $cut, $cutanswer, $badhash) = @_;
	my $got = 0;
	my $sel = IO::Select->new($c, $u);
	my ($sent, $first) = (0, 1);
	while (1) {
		for my $s ($sel->can_read(30)) {
			my $n = sysread($s, my $b, 65536);
			if ($s == $c) {
				if (!$n) { $sel->remove($c); shutdown($u, 1); next; }
				if (defined $cut && $sent + $n >= $cut) {
					syswrite($u, substr($b, 0, $cut - $sent));
					return 'cut';
				}
				$sent += $n;
				syswrite($u, $b) or return 'upstream gone';
			} else {
				return 'done' unless $n;
				$b =~ s/\r\n/\r\nConnection: close\r\n/ if $first;
				$first = 0;
				$b =~ s/("os_hash_value": ?")(.)/$1 . ($2 eq '0' ? '1' : '0')/e
					if $badhash;
				if (defined $cutanswer && $got + length($b) >= $cutanswer) {
					syswrite($c, substr($b, 0, $cutanswer - $got));
					return 'cut';
				}
				$got += length($b);
				syswrite($c, $b) or return 'client gone';
			}
		}
		return 'idle' unless $sel->count;
	}
}

sub serve {
	my ($c) = @_;
	my $head = read_head($c) // return;
	my ($method, $path) = $head =~ /^(\S+) (\S+)/ or return;
	my ($mode, @arg) = mode();
	my $hit = $mode ne 'pass' && "$method $path" =~ /$arg[-1]/;
	if ($hit && $mode eq 'status') {
		skip_body($c, $arg[1]);
		answer($c, $arg[0]);
		print STDERR "$method $path -> $arg[0]\n";
		return;
	}
	if ($hit && $mode eq 'stall') {
		print STDERR "$method $path -> stalled\n";
		sleep $arg[0];
		return;
	}
	my $u = $upstream =~ /^unix:(.*)/
		? IO::Socket::UNIX->new(Peer => $1, Type => SOCK_STREAM())
		: IO::Socket::INET->new(PeerAddr => $upstream);
	$u or do {
		answer($c, 502);
		print STDERR "$method $path -> cannot connect: $!\n";
		return;
	};
	$head =~ s/\r\nConnection:[^\r]*//ig;
	$head =~ s/\r\n\r\n$/\r\nConnection: close\r\n\r\n/;
	syswrite($u, $head);
	my $how = relay($c, $u, $hit && $mode eq 'cut' ? $arg[0] : undef,
		$hit && $mode eq 'cutanswer' ? $arg[0] : undef,
		$hit && $mode eq 'badhash');
	print STDERR "$method $path -> $how\n";
	close $u;
}

while (1) {
	my $c = $srv->accept or next;
	my $pid = fork;
	if (defined $pid && $pid == 0) {
		close $srv;
		alarm 300;
		serve($c);
		close $c;
		POSIX::_exit(0);
	}
	close $c;
}
