# fwspec-agent-probe.pl: `fwspec-probe start|wait|stop|half-open` answered by
# fwspec-agent itself (required on the first such request), with the contract
# of docker/fwspec-probe, byte for byte: the same output, stderr notes and
# exit statuses (0-255 from the tool, 2 usage, 195 could not stop, 196 no such
# probe, 197 did not end within 60 s, 198 stopped, 199 pending). The tool is
# the agent's own child in a process group of its own (a `timeout` it runs
# keeps that group), its output read through pipes as a command's is: no
# bash, setsid, sh wrapper or file per probe (about 7 ms of a lab host's CPU
# each). The script stays for what reaches a host without an agent.
#
# A request that waits (a start's grace, a wait, a stop until the tool is
# gone) is answered later, from the agent's loop (probe_tick), never by
# blocking it; a probe is forgotten once its result was given. A session's end
# or the end of stdin KILLs every probe's group (nobody would read them).
package FwspecProbe;
use strict;
use warnings;

my $PENDING = "fwspec-probe: pending\n";
my $USAGE = "usage: fwspec-probe start <id> <grace-ms>[,4|,6] <argv…> | wait <id> [<max-ms>] | stop <id> [tcp <address> <port>] | half-open <address> [<port>]\n";

# id => { serial, pid, rc (once reaped), out, err, icmp: [v4, v6] at the start, killed (by a stop), stopping (its stop not answered yet) }
my %probes;
# tool pid => probe id
my %tool;
# Requests answered later: { req, limit (agent's limit, µs; 0 none), probe (id), serial (of that probe), kind: grace|wait|end|stop, until (µs), family, icmp_at (µs) }
my @waiting;
my $serial = 0;

require Time::HiRes;
# Not Socket or POSIX: every command the agent runs is a fork of it, which each module's 0.5-1.5 MB makes dearer
# (about 0.08 ms of CPU per command with both; address_bytes and the exits below do without them).
sub now_us { int(Time::HiRes::clock_gettime(Time::HiRes::CLOCK_MONOTONIC()) * 1e6) }

# ICMP and ICMPv6 destination unreachables this network namespace received (each file in one read: a procfs line never torn).
sub icmp_in {
  my ($v4, $v6) = (0, 0);
  if (open(my $fh, '<', '/proc/net/snmp')) {
    sysread($fh, my $text, 1 << 16);
    my @icmp = grep { /\AIcmp: / } split /\n/, $text // '';
    if (@icmp >= 2) {
      my @names = split ' ', $icmp[0];
      my @values = split ' ', $icmp[1];
      for my $i (0 .. $#names) { $v4 = $values[$i] // 0 if $names[$i] eq 'InDestUnreachs'; }
    }
  }
  if (open(my $fh, '<', '/proc/net/snmp6')) {
    sysread($fh, my $text, 1 << 16);
    $v6 = $1 if ($text // '') =~ /^Icmp6InDestUnreachs\s+([0-9]+)/m;
  }
  return ($v4, $v6);
}

# The note a result ends with when ICMP errors arrived since the probe started.
sub icmp_note {
  my ($p, $sep) = @_;
  my ($v4, $v6) = icmp_in();
  my ($d4, $d6) = ($v4 - $p->{icmp}[0], $v6 - $p->{icmp}[1]);
  return '' unless $d4 > 0 || $d6 > 0;
  return sprintf("%sfwspec-probe: icmp destination unreachable received: ipv4 +%d, ipv6 +%d\n", $sep, $d4, $d6);
}

sub ended { my ($p) = @_; return defined $p->{rc}; }

# The tool's own result; the probe is forgotten.
sub finish {
  my ($req, $id) = @_;
  my $p = delete $probes{$id};
  my $err = $p->{err}{data};
  my $sep = length $err && substr($err, -1) ne "\n" ? "\n" : '';
  my $note = icmp_note($p, $sep);
  $err .= $note;
  # With how much the tool printed (more than the agent keeps, if it printed more), as a command's reply says.
  ::reply($req, $p->{rc}, \$p->{out}{data}, \$err, 0, $p->{out}{printed}, $p->{err}{printed} + length $note);
}

sub answer {
  my ($req, $rc, $out, $err) = @_;
  ::reply($req, $rc, \$out, \$err, 0);
}

sub start_tool {
  my ($id, @argv) = @_;
  my @icmp = icmp_in();
  # `timeout -k 1 N tool…` (the harness bounds every probe tool so) is done here, as coreutils would: TERM to the
  # tool's group after N s, KILL a second later, exit 124 (137 after the KILL); no `timeout` process per probe
  # (a program started costs the machine about 3 ms of CPU). The script runs the real one.
  my $limit = 0;
  if (@argv > 4 && $argv[0] eq 'timeout' && $argv[1] eq '-k' && $argv[2] eq '1' && $argv[3] =~ /\A[1-9][0-9]{0,5}\z/) {
    $limit = $argv[3];
    splice @argv, 0, 4;
  }
  # Before the fork: the tool's time starts no later than this.
  my $deadline = $limit ? now_us() + $limit * 1e6 : 0;
  # As the script's `sh -c` (dash) says it.
  my ($pid, $out, $err) = ::spawn_piped(undef, sub { my ($name, $why, $missing) = @_; "fwspec-probe: 1: $name: " . ($missing ? 'not found' : $why) . "\n" }, @argv);
  return $pid unless defined $out;
  $probes{$id} = { serial => ++$serial, pid => $pid, rc => undef, icmp => \@icmp, out => $out, err => $err, deadline => $deadline, termed => 0, limit_killed => 0 };
  $tool{$pid} = $id;
  return undef;
}

# Each tool past its `timeout -k 1 N` (start_tool): TERM to its group at N s, KILL a second later; the next moment one is due (µs), or undef.
sub enforce_tool_limits {
  my ($now) = @_;
  my $next;
  for my $p (values %probes) {
    next if !$p->{deadline} || ended($p) || $p->{limit_killed} || $p->{killed};
    if (!$p->{termed} && $now >= $p->{deadline}) {
      kill 'TERM', -$p->{pid};
      # The KILL a second after the TERM was sent (as coreutils counts it), however late the loop came round.
      $p->{termed} = $now;
    } elsif ($p->{termed} && $now >= $p->{termed} + 1e6) {
      kill 'KILL', -$p->{pid};
      $p->{limit_killed} = 1;
      next;
    }
    my $at = $p->{termed} ? $p->{termed} + 1e6 : $p->{deadline};
    $next = $at if !defined $next || $at < $next;
  }
  return $next;
}

my $OCTET = qr/25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]/;

# An IPv4 or IPv6 address's 4 or 16 bytes, as inet_pton(3) reads it (dotted quad without leading zeros; up to eight
# groups of hex digits, one `::`, an IPv4 tail); undef for anything else.
sub address_bytes {
  my ($address) = @_;
  return pack('C4', split /\./, $address) if $address =~ /\A(?:(?:$OCTET)\.){3}(?:$OCTET)\z/;
  return undef unless $address =~ /:/;
  if ($address =~ /\A(.*:)([^:]*\.[^:]*)\z/s) {
    my $tail = address_bytes($2);
    return undef unless defined $tail && length $tail == 4;
    $address = $1 . sprintf('%x:%x', unpack('n2', $tail));
  }
  my @halves = split /::/, $address, -1;
  return undef if @halves > 2;
  my @head = length $halves[0] ? split(/:/, $halves[0], -1) : ();
  my @tail = @halves == 2 && length $halves[1] ? split(/:/, $halves[1], -1) : ();
  for (@head, @tail) { return undef unless /\A[0-9a-fA-F]{1,4}\z/ }
  my $missing = 8 - @head - @tail;
  return undef if @halves == 1 ? $missing != 0 : $missing < 1;
  return pack('n8', map { hex } @head, ('0') x (@halves == 2 ? $missing : 0), @tail);
}

# An address as /proc/net/tcp and tcp6 print it: each 32-bit word as the kernel holds it, in hex; undef if none.
sub proc_address {
  my ($address) = @_;
  my $packed = address_bytes($address);
  return defined $packed ? join('', map { sprintf '%08X', $_ } unpack('L*', $packed)) : undef;
}

# Is a TCP socket listed in /proc/net/$file (tcp, tcp6) in state $state (as the kernel prints it: 02 SYN-SENT,
# 03 SYN-RECV) with remote address $remote (proc_address), and the remote port $rport or local port $lport when
# given? The kernel's own table, read without a process (an `ss` is about 4 ms of a host's CPU).
sub tcp_listed {
  my ($file, $state, $remote, %port) = @_;
  open(my $fh, '<', "/proc/net/$file") or return 0;
  local $/;
  my $table = <$fh> // '';
  close $fh;
  for my $line (split /\n/, $table) {
    my (undef, $local, $rem, $st) = split ' ', $line;
    next unless defined $st && $st eq $state && $rem =~ /\A([0-9A-F]+):([0-9A-F]+)\z/ && $1 eq $remote;
    next if defined $port{remote} && hex($2) != $port{remote};
    next if defined $port{local} && !($local =~ /:([0-9A-F]+)\z/ && hex($1) == $port{local});
    return 1;
  }
  return 0;
}

# Is a connection to address:port of this family still in SYN-SENT (no answer of any kind yet)? As the script's
# `ss -Htn -4|-6 state syn-sent dst ADDRESS ( dport = :PORT )`: no listing is no connection in SYN-SENT.
sub syn_sent {
  my ($address, $port) = @_;
  my $remote = proc_address($address) // return 0;
  return tcp_listed($address =~ /:/ ? 'tcp6' : 'tcp', '02', $remote, remote => $port);
}

# `fwspec-probe half-open ADDRESS [PORT]`: as the script's `ss -K -Htn state syn-recv dst ADDRESS` (with PORT:
# `( sport = :PORT and dst ADDRESS )`), run only when the kernel's table lists such a socket (an IPv4 peer also as
# an IPv6 socket's mapped address, as ss matches it); nothing printed, exit 0, when it lists none.
sub half_open {
  my ($req, $address, $port) = @_;
  my $v4 = $address !~ /:/;
  my $remote = proc_address($address);
  my $mapped = $v4 ? proc_address("::ffff:$address") : undef;
  return answer($req, 2, '', $USAGE) unless defined $remote && (!defined $port || $port =~ /\A[0-9]+\z/);
  my %local = defined $port ? (local => $port) : ();
  my $listed = $v4 ? tcp_listed('tcp', '03', $remote, %local) || tcp_listed('tcp6', '03', $mapped, %local) : tcp_listed('tcp6', '03', $remote, %local);
  return answer($req, 0, '', '') unless $listed;
  my $dst = $v4 ? $address : "[$address]";
  my @filter = defined $port ? ("( sport = :$port and dst $dst )") : ('dst', $dst);
  my ($rc, $out, $err) = output_of('ss', '-K', '-Htn', 'state', 'syn-recv', @filter);
  return answer($req, $rc, $out, $err);
}

# A short command's exit status, stdout and stderr, run to its end: it blocks the agent's loop, so only for commands
# that end in milliseconds and print little (ss -K, ip). As a command the agent runs: stdin /dev/null, the signals
# the agent changed as they were; killed (SIGALRM, which an exec keeps) after 5 s. 127 when it cannot be started.
sub output_of {
  my @argv = @_;
  pipe(my $err_r, my $err_w) or return (127, '', "fwspec-probe: cannot start $argv[0]: $!\n");
  my $pid = open(my $out_r, '-|');
  return (127, '', "fwspec-probe: cannot start $argv[0]: $!\n") unless defined $pid;
  if (!$pid) {
    $SIG{PIPE} = 'DEFAULT';
    $SIG{CHLD} = 'DEFAULT';
    close $err_r;
    open(STDIN, '<', '/dev/null');
    open(STDERR, '>&', $err_w);
    alarm 5;
    exec { $argv[0] } @argv or print STDERR "fwspec-probe: cannot start $argv[0]: $!\n";
    # As the agent's own children (spawn_piped): its END block does nothing in a child, and STDOUT here is this pipe.
    exit 127;
  }
  close $err_w;
  local $/;
  # Its stderr is a line or two (a refusal): read after stdout, whole.
  my $out = <$out_r> // '';
  my $err = <$err_r> // '';
  close $err_r;
  close $out_r;
  return (($? & 127) ? 128 + ($? & 127) : $? >> 8, $out, $err);
}

# Linux's netlink numbers (<linux/netlink.h>, <linux/rtnetlink.h>, <linux/neighbour.h>); Perl's Socket has none.
my ($AF_NETLINK, $SOCK_RAW, $NETLINK_ROUTE, $RTM_NEWNEIGH, $RTM_GETNEIGH) = (16, 3, 0, 28, 30);
my ($NLM_F_REQUEST_DUMP, $NLMSG_ERROR, $NLMSG_DONE, $NUD_INCOMPLETE, $NUD_FAILED) = (0x301, 2, 3, 0x01, 0x20);

# Does this host's neighbour table (both families, every link) hold an entry INCOMPLETE or FAILED? One netlink
# dump, as `ip neigh show` reads it, without a process; undef when it cannot be read (the caller asks `ip`).
# None there: no next hop is unresolved, whatever the route (two `ip` runs saved per stopped probe, about 3 ms
# of the host's CPU).
sub any_unresolved {
  socket(my $nl, $AF_NETLINK, $SOCK_RAW, $NETLINK_ROUTE) or return undef;
  # struct nlmsghdr (length, type, flags, sequence, port) and struct ndmsg (family AF_UNSPEC: both; the rest 0).
  my $request = pack('L S S L L C C S l S C C', 28, $RTM_GETNEIGH, $NLM_F_REQUEST_DUMP, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  return undef unless defined send($nl, $request, 0);
  my $found = 0;
  for (;;) {
    # The kernel answers a dump at once; bounded all the same (the agent's loop must never hang here).
    vec(my $want = '', fileno $nl, 1) = 1;
    my $n;
    # EINTR (a SIGCHLD of a command): asked again, a few times.
    for (1 .. 5) {
      $n = select(my $ready = $want, undef, undef, 1);
      last unless $n < 0 && $!{EINTR};
    }
    return undef unless $n > 0;
    my $buf = '';
    return undef unless defined recv($nl, $buf, 1 << 16, 0) && length $buf;
    for (my $at = 0; $at + 16 <= length $buf;) {
      my ($len, $type) = unpack('L S', substr($buf, $at, 6));
      return undef if $len < 16 || $type == $NLMSG_ERROR;
      return $found if $type == $NLMSG_DONE;
      # struct ndmsg's state: after family, two pads and the link index.
      $found = 1 if $type == $RTM_NEWNEIGH && $len >= 28 && unpack('S', substr($buf, $at + 24, 2)) & ($NUD_INCOMPLETE | $NUD_FAILED);
      $at += ($len + 3) & ~3;
    }
  }
}

# As the script: the note of docker/fwspec-neighbour when the next hop toward $address is unresolved (its entry
# INCOMPLETE or FAILED), which is then flushed; '' otherwise. Its two or three `ip` commands without a bash, only
# when some entry is unresolved (any_unresolved).
sub neighbour_note {
  my ($address) = @_;
  my $any = any_unresolved();
  return '' if defined $any && !$any;
  my ($rc, $route) = output_of('ip', '-o', 'route', 'get', $address);
  return '' unless $rc == 0;
  my $hop = $route =~ / via (\S+)/ ? $1 : $address;
  my (undef, $shown) = output_of('ip', 'neigh', 'show', 'to', $hop);
  my $state;
  for my $word (split ' ', $shown) { $state = $word if $word eq 'INCOMPLETE' || $word eq 'FAILED'; }
  return '' unless defined $state;
  output_of('ip', 'neigh', 'flush', 'to', $hop);
  return "fwspec-probe: neighbour $hop unresolved ($state)\n";
}

# A request `fwspec-probe <args>` (id: the agent's request id; limit: its limit in seconds, 0 none).
sub probe_request {
  my ($req, $limit, @args) = @_;
  my $limit_us = $limit > 0 ? now_us() + $limit * 1e6 : 0;
  my $wait = sub { my ($id, %w) = @_; push @waiting, { req => $req, limit => $limit_us, probe => $id, serial => $probes{$id}{serial}, %w }; };
  my ($cmd, $id) = @args;
  return @args == 2 || @args == 3 ? half_open($req, @args[1 .. $#args]) : answer($req, 2, '', $USAGE) if defined $cmd && $cmd eq 'half-open';
  return answer($req, 2, '', $USAGE) if @args < 2 || $id !~ /\A[a-zA-Z0-9-]+\z/;
  splice @args, 0, 2;
  if ($cmd eq 'start') {
    return answer($req, 2, '', $USAGE) if @args < 2;
    my ($grace, $family) = $args[0] =~ /\A([0-9]+)(?:,([46]))?\z/ or return answer($req, 2, '', $USAGE);
    shift @args;
    # A probe of the same id still held (never waited for) is replaced, as the script's files would be.
    forget($id) if $probes{$id};
    my $failed = start_tool($id, @args);
    return answer($req, 2, '', "fwspec-probe: $failed\n") if defined $failed;
    my $now = now_us();
    $wait->($id, kind => 'grace', until => $now + $grace * 1000, family => $family, icmp_at => $now);
  } elsif ($cmd eq 'wait') {
    return answer($req, 196, '', "fwspec-probe: no probe $id\n") unless $probes{$id};
    if (@args) {
      return answer($req, 2, '', $USAGE) unless $args[0] =~ /\A[0-9]+\z/;
      $wait->($id, kind => 'wait', until => now_us() + $args[0] * 1000);
    } else {
      $wait->($id, kind => 'end', until => now_us() + 60e6);
    }
  } elsif ($cmd eq 'stop') {
    return answer($req, 196, '', "fwspec-probe: no probe $id\n") unless $probes{$id};
    my $p = $probes{$id};
    if (@args && $args[0] eq 'tcp') {
      return answer($req, 2, '', $USAGE) unless @args == 3;
      # It got an answer (or has not connected yet): not ours to stop, it runs to its end.
      if (!ended($p) && !syn_sent($args[1], $args[2])) {
        $wait->($id, kind => 'end', until => now_us() + 60e6);
        return probe_tick();
      }
    }
    if (!ended($p)) {
      kill 'KILL', -$p->{pid};
      $p->{killed} = $p->{stopping} = 1;
      $wait->($id, kind => 'stop', until => now_us() + 1e6, @args && $args[0] eq 'tcp' ? (neighbour => $args[1]) : ());
    } else {
      $wait->($id, kind => 'end', until => now_us() + 60e6);
    }
  } else {
    return answer($req, 2, '', $USAGE);
  }
  return probe_tick();
}

# Its tool is KILLed (if it runs) and its result never given (a request still waiting for it gets `no probe`).
sub forget {
  my ($id) = @_;
  my $p = delete $probes{$id} or return;
  kill 'KILL', -$p->{pid} unless ended($p);
}

# A probe's tool was reaped (true if the pid was one).
sub probe_reaped {
  my ($pid, $status) = @_;
  my $id = delete $tool{$pid};
  return 0 unless defined $id;
  # A tool of a probe forgotten since (its id may be another probe's now).
  my $p = $probes{$id};
  return 1 unless $p && $p->{pid} == $pid;
  ::drain($p->{$_}) for qw(out err);
  $p->{rc} = ($status & 127) ? 128 + ($status & 127) : $status >> 8;
  # Ended after its limit's TERM: 124 as timeout says it, 137 when the KILL a second later ended it (a stop's KILL
  # in between stays the stop's: 137, then `stopped`).
  $p->{rc} = $p->{limit_killed} ? 137 : 124 if $p->{termed} && !$p->{killed};
  return 1;
}

# The output pipes to read.
sub probe_streams { return grep { $_->{fh} } map { ($_->{out}, $_->{err}) } values %probes; }

sub probe_running { return scalar %tool; }

# Answers every waiting request whose moment has come; the seconds until the next one (undef: none waits).
# Nothing here changes @waiting but its last line (forget and finish only drop probes).
sub probe_tick {
  my $now = now_us();
  my $next = enforce_tool_limits($now);
  my @still;
  # Stops first: a probe being stopped answers its stop (198), the requests waiting beside it `no probe` after.
  for my $w ((grep { $_->{kind} eq 'stop' } @waiting), (grep { $_->{kind} ne 'stop' } @waiting)) {
    my $p = $probes{$w->{probe}};
    # Its probe's result was given to another request (or it was forgotten, or replaced under its id).
    if (!$p || $p->{serial} != $w->{serial}) {
      answer($w->{req}, 196, '', "fwspec-probe: no probe $w->{probe}\n");
      next;
    }
    my $done = 1;
    if ($w->{kind} eq 'stop') {
      if (ended($p) && !($p->{killed} && $p->{rc} == 137)) {
        finish($w->{req}, $w->{probe});
      } elsif (ended($p) && kill(0, -$p->{pid}) == 0) {
        # Its group is gone: stopped, with what it printed so far.
        delete $probes{$w->{probe}};
        my $err = $p->{err}{data};
        $err .= "\n" if length $err && substr($err, -1) ne "\n";
        $err .= icmp_note($p, '');
        $err .= neighbour_note($w->{neighbour}) if defined $w->{neighbour};
        answer($w->{req}, 198, "fwspec-probe: stopped\n", $err);
      } elsif ($now >= $w->{until}) {
        $p->{stopping} = 0;
        answer($w->{req}, 195, '', "fwspec-probe: could not stop the probe (processes $p->{pid}/$p->{pid} still there after 1 s)\n");
      } else {
        $done = 0;
      }
    } elsif (ended($p) && !$p->{stopping}) {
      finish($w->{req}, $w->{probe});
    } elsif ($w->{limit} && $now >= $w->{limit}) {
      ::reply($w->{req}, 124, \'', \'', 1);
    } elsif ($now >= $w->{until}) {
      if ($w->{kind} eq 'end') {
        forget($w->{probe});
        answer($w->{req}, 197, '', "fwspec-probe: the probe did not end within 60 s\n");
      } else {
        answer($w->{req}, 199, $PENDING, '');
      }
    } else {
      $done = 0;
      # An ICMP error of its family ends a start's grace 4 ms later (the kernel retries a SYN an ICMPv6 error refused).
      if ($w->{family} && $now >= $w->{icmp_at}) {
        my @icmp = icmp_in();
        my $i = $w->{family} == 4 ? 0 : 1;
        $w->{until} = $now + 4000 if $icmp[$i] > $p->{icmp}[$i] && $now + 4000 < $w->{until};
        $w->{icmp_at} = $now + 10000;
      }
    }
    next if $done;
    push @still, $w;
    my @at = ($w->{until}, $w->{limit} || (), $w->{family} ? $w->{icmp_at} : ());
    $at[0] = $now + 2000 if $w->{kind} eq 'stop' && ended($p);
    for my $t (@at) { $next = $t if !defined $next || $t < $next; }
  }
  @waiting = @still;
  return defined $next ? ($next > $now ? ($next - $now) / 1e6 : 0) : undef;
}

# A session's end or the end of stdin: every tool's group is KILLed, nothing is answered.
sub probe_end_all {
  forget($_) for keys %probes;
  @waiting = ();
}

1;
