# StubServer: what the tests' HTTP stand-ins (fault-proxy.pl,
# gitlab-api.pl) share: a listener on 127.0.0.1 whose port goes to a
# file, a bounded life, the mode file, and reading a request's head.
package StubServer;
use strict;
use warnings;
use IO::Socket::INET;
use Exporter 'import';
our @EXPORT_OK = qw(stub_listen mode_line read_head);

# stub_listen NAME PORTFILE SECS: listen on a free port of 127.0.0.1,
# write it to PORTFILE (renamed into place), exit after SECS seconds or
# on SIGTERM; children are not waited for, a hung-up client is no error
sub stub_listen {
	my ($name, $portfile, $secs) = @_;
	my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
		Listen => 20, ReuseAddr => 1) or die "$name: listen: $!\n";
	$SIG{CHLD} = 'IGNORE';
	$SIG{PIPE} = 'IGNORE';
	$SIG{ALRM} = sub { exit 0 };
	$SIG{TERM} = sub { exit 0 };
	alarm $secs;
	open(my $pf, '>', "$portfile.tmp") or die "$name: $portfile: $!\n";
	print $pf $srv->sockport, "\n";
	close $pf;
	rename("$portfile.tmp", $portfile) or die "$name: $portfile: $!\n";
	return $srv;
}

# mode_line FILE: its first line without the newline; '' when none
sub mode_line {
	my ($file) = @_;
	open(my $f, '<', $file) or return '';
	my $l = <$f> // '';
	close $f;
	chomp $l;
	return $l;
}

# the request's head: the request line and the headers, up to the blank
# line (undef past 64 KiB, or when the client goes)
sub read_head {
	my ($c) = @_;
	my $head = '';
	while ($head !~ /\r\n\r\n/) {
		my $n = sysread($c, my $b, 1);
		return undef unless $n;
		$head .= $b;
		return undef if length($head) > 65536;
	}
	return $head;
}

1;
