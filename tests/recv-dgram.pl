#!/usr/bin/perl
# recv-dgram.pl SOCKET OUT [MILTER-SOCKET] - for the tests: bind a unix datagram socket
# (what NOTIFY_SOCKET or MAILVET_SYSLOG_SOCKET names) and append each datagram to OUT as
# one line, its newlines as "|"; "BOUND" first, once it listens.  With MILTER-SOCKET,
# after the first datagram that holds READY=1 also a line "LISTENING" or "NOT
# LISTENING: why": whether the milter socket took a connection at that moment.
use strict;
use warnings;
use IO::Handle;
use IO::Socket::UNIX;

my ($path, $out, $milter) = @ARGV;
unlink $path;
my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "recv: bind $path: $!\n";
open(my $fh, '>>', $out) or die "recv: $out: $!\n";
$fh->autoflush(1);
print $fh "BOUND\n";
my $checked = 0;
for (;;) {
    my $buf;
    defined($s->recv($buf, 65536)) or next;
    (my $line = $buf) =~ s/\n/|/g;
    print $fh "$line\n";
    if (defined $milter && !$checked && $buf =~ /^READY=1$/m) {
        $checked = 1;
        my $c = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $milter);
        print $fh ($c ? "LISTENING\n" : "NOT LISTENING: $!\n");
    }
}
