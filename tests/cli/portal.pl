#!/usr/bin/perl
# A hostile iSCSI portal for the tests: it answers a discovery session's
# SendTargets with the target names given, whatever bytes they hold (a real
# target such as tgt refuses control characters in names).  A login to one
# of them is passed on to a real target, with the real target's name put
# in its place, and the session then goes through unchanged; without a
# real target every login is refused as "not found" (RFC 7143 11.13.5,
# status 0203).
#
#   perl portal.pl PORTFILE [HOST:PORT=IQN] NAME...
#       listen on 127.0.0.1, on an unused port written to PORTFILE, until
#       killed; HOST:PORT=IQN is the real target behind the names
# Perl's own modules only: perl-base is on every Debian system.
use strict;
use warnings;
use IO::Socket::INET;

my ($portfile, @names) = @ARGV;
my ($backend, $real_iqn);
($backend, $real_iqn) = (shift(@names) =~ /^(.*:\d+)=(.*)$/)
    if @names && $names[0] =~ /^[\d.]+:\d+=/;
die "usage: portal.pl PORTFILE [HOST:PORT=IQN] NAME...\n"
    unless defined $portfile && @names;
$SIG{CHLD} = 'IGNORE';
my $server = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5, ReuseAddr => 1)
    or die "portal.pl: listen: $!\n";
open(my $pf, '>', "$portfile.tmp") or die "portal.pl: $portfile: $!\n";
print $pf $server->sockport(), "\n";
close $pf;
rename "$portfile.tmp", $portfile or die "portal.pl: $portfile: $!\n";

sub read_exactly {
    my ($sock, $len) = @_;
    my $buf = '';
    while (length($buf) < $len) {
        my $n = sysread($sock, $buf, $len - length($buf), length($buf));
        return undef unless $n;
    }
    return $buf;
}

# A PDU: the 48-byte header, then the data segment padded to 4 bytes.
sub send_pdu {
    my ($sock, $bhs, $data) = @_;
    substr($bhs, 4, 4) = pack('N', length $data);    # AHS 0, data length
    $data .= "\0" x ((4 - length($data) % 4) % 4);
    syswrite($sock, $bhs . $data);
}

# The rest of a session, both ways, once the login went to the backend.
sub relay {
    my ($left, $right) = @_;
    my $sel = '';
    vec($sel, fileno($_), 1) = 1 for $left, $right;
    while (select(my $ready = $sel, undef, undef, undef) > 0) {
        for ([$left, $right], [$right, $left]) {
            my ($from, $to) = @$_;
            next unless vec($ready, fileno($from), 1);
            my $n = sysread($from, my $buf, 65536);
            return unless $n;
            syswrite($to, $buf);
        }
    }
}

while (my $sock = $server->accept()) {
    # Each connection on its own: modecon opens several at once.
    if (fork()) {
        close $sock;
        next;
    }
    session($sock);
    exit 0;
}

sub session {
    my ($sock) = @_;
    my ($statsn, $discovery) = (1, 0);
    while (defined(my $bhs = read_exactly($sock, 48))) {
        my $op = ord(substr($bhs, 0, 1)) & 0x3f;
        my $len = unpack('N', substr($bhs, 4, 4)) & 0xffffff;
        my $ahs = ord(substr($bhs, 4, 1)) * 4;
        my $data = read_exactly($sock, $ahs + $len + (4 - $len % 4) % 4);
        last unless defined $data;
        $data = substr($data, $ahs, $len);
        my $itt = substr($bhs, 16, 4);
        # A login or an immediate command does not advance CmdSN.
        my $cmdsn = unpack('N', substr($bhs, 24, 4));
        my $next = $cmdsn + ($op == 0x03 || ord($bhs) & 0x40 ? 0 : 1);
        my $sn = pack('NNN', $statsn++, $next, $next + 16);
        if ($op == 0x03) {    # login request
            my $flags = ord(substr($bhs, 1, 1));
            $discovery = 1 if $data =~ /SessionType=Discovery/;
            my $reply = "\x23" . chr($flags & 0x8f) . "\0\0" . "\0" x 4 .
                substr($bhs, 8, 6) . "\0\x01" . $itt . "\0" x 4 . $sn;
            if (!$discovery && defined $backend) {
                $data =~ s/TargetName=[^\0]*/TargetName=$real_iqn/;
                my $real = IO::Socket::INET->new(PeerAddr => $backend)
                    or die "portal.pl: $backend: $!\n";
                send_pdu($real, $bhs, $data);
                relay($sock, $real);
                last;
            }
            if (!$discovery) {
                send_pdu($sock, $reply . "\x02\x03" . "\0" x 10, '');
                last;
            }
            my $keys = "AuthMethod=None\0TargetPortalGroupTag=1\0";
            $keys .= "HeaderDigest=None\0DataDigest=None\0" .
                "MaxRecvDataSegmentLength=262144\0"
                if ($flags & 0x03) == 3 || ($flags & 0x0c) == 4;
            send_pdu($sock, $reply . "\0" x 12, $keys);
        } elsif ($op == 0x04) {    # text request: SendTargets
            my $targets = join('',
                map { "TargetName=$_\0TargetAddress=127.0.0.1:1,1\0" } @names);
            send_pdu($sock, "\x24\x80\0\0" . "\0" x 12 . $itt .
                "\xff" x 4 . $sn . "\0" x 12, $targets);
        } elsif ($op == 0x06) {    # logout request
            send_pdu($sock, "\x26\x80\0\0" . "\0" x 12 . $itt . "\0" x 4 .
                $sn . "\0" x 12, '');
            last;
        } elsif ($op == 0x00) {    # NOP-Out: answered so the link stays
            send_pdu($sock, "\x20\x80\0\0" . "\0" x 12 . $itt .
                "\xff" x 4 . $sn . "\0" x 12, '');
        } else {
            last;
        }
    }
    close $sock;
}
