#!/usr/bin/perl
# gitlab-api.pl: a stand-in for GitLab's commit status API, for report tests
#
#   perl tests/gitlab-api.pl PORTFILE LOGFILE MODEFILE [SECS]
#
# Listens on 127.0.0.1 on a free port (written to PORTFILE once it
# listens). Each request is appended to LOGFILE as one line of
# tab-separated fields, its JSON body decoded (JSON::PP):
#
#   METHOD PATH token=PRIVATE-TOKEN type=CONTENT-TYPE state=... name=...
#   target_url=... description=...
#
# (a missing field is empty; a body that is not a JSON object is logged
# as "body=<not json>"). Before each request it reads MODEFILE (missing
# or empty: "ok"):
#
#   ok          answer 201 with the status as GitLab gives it back
#   status CODE answer CODE with {"message": "CODE <title>"}
#   leak CODE   answer CODE with a message quoting the token it got
#   hang SECS   read the request, then answer nothing for SECS seconds
#
# Only what this test needs of GitLab: it checks no path, no project and
# no token. Exits after SECS seconds (default 600), and on SIGTERM.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use StubServer qw(stub_listen mode_line read_head);
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();

my ($portfile, $logfile, $modefile, $secs) = @ARGV;
die "usage: gitlab-api.pl PORTFILE LOGFILE MODEFILE [SECS]\n"
	unless defined $modefile;
$secs //= 600;

my $srv = stub_listen('gitlab-api', $portfile, $secs);

sub mode {
	my $l = mode_line($modefile);
	return $l eq '' ? ('ok') : split(/ /, $l);
}

sub read_body {
	my ($c, $n) = @_;
	my $body = '';
	return '' if $n > 65536;
	while (length($body) < $n) {
		my $got = sysread($c, my $b, $n - length($body));
		last unless $got;
		$body .= $b;
	}
	return $body;
}

sub header {
	my ($head, $name) = @_;
	return $head =~ /\r\n\Q$name\E:[ \t]*([^\r]*)/i ? $1 : '';
}

sub record {
	my ($line) = @_;
	open(my $f, '>>', $logfile) or die "gitlab-api: $logfile: $!\n";
	syswrite($f, "$line\n");
	close $f;
}

sub answer {
	my ($c, $code, $body) = @_;
	my %title = (200 => 'OK', 201 => 'Created', 401 => 'Unauthorized',
		404 => 'Not Found', 500 => 'Internal Server Error');
	my $t = $title{$code} // 'Error';
	$body //= JSON::PP->new->canonical->encode({ message => "$code $t" });
	syswrite($c, "HTTP/1.1 $code $t\r\nContent-Type: application/json\r\n" .
		"Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body");
}

sub serve {
	my ($c) = @_;
	my $head = read_head($c) // return;
	my ($method, $path) = $head =~ /^(\S+) (\S+)/ or return;
	my $token = header($head, 'PRIVATE-TOKEN');
	my $body = read_body($c, header($head, 'Content-Length') || 0);
	my $j = eval { JSON::PP->new->decode($body) };
	my @f = ("$method $path", "token=$token",
		"type=" . header($head, 'Content-Type'));
	if (ref $j eq 'HASH') {
		push @f, map { "$_=" . ($j->{$_} // '') }
			qw(state name target_url description);
	} else {
		push @f, 'body=<not json>';
	}
	record(join("\t", @f));
	my ($mode, $arg) = mode();
	if ($mode eq 'hang') {
		sleep $arg;
	} elsif ($mode eq 'status') {
		answer($c, $arg);
	} elsif ($mode eq 'leak') {
		answer($c, $arg, JSON::PP->new->encode(
			{ message => "token $token is not valid" }));
	} else {
		$j = {} unless ref $j eq 'HASH';
		answer($c, 201, JSON::PP->new->canonical->encode({ id => 93,
			sha => ($path =~ m{/statuses/(\w+)$})[0] // '',
			status => $j->{state} // '', name => $j->{name} // '',
			description => $j->{description}, target_url => $j->{target_url} }));
	}
}

while (1) {
	my $c = $srv->accept or next;
	my $pid = fork;
	if (defined $pid && $pid == 0) {
		close $srv;
		alarm 120;
		serve($c);
		close $c;
		POSIX::_exit(0);
	}
	close $c;
}
