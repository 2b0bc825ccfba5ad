"""The cases tests/test_cli_parity.py runs with both CLIs: whole command lines compared
side by side (CASES; docs/cli.md's parity table is generated from them), usage errors,
and lines refused before the daemon is dialled. Data only: the mechanism is there.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """Steps run by both tools; `out` says how stdout is compared:
    "exact" (after normalising), "table" (cells of each row), "processes" (a table of
    `ps` columns, the CPU share left out), "sorted" (lines, any order), "json" (parsed),
    "head" (the header row only), "none"."""

    name: str
    steps: tuple[str, ...]
    out: str = "exact"
    stdin: str = ""
    err: bool = True  # compare stderr too
    setup: tuple[str, ...] = ()  # run by docker alone first (what both steps need)
    cleanup: tuple[str, ...] = ()
    note: str = ""
    tty: bool = False


C = Case


def _tar_text(name: str, text: str) -> str:
    """A tar of one file, as a case's stdin (its bytes are ASCII and NULs)."""
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue().decode("ascii")


CASES: tuple[Case, ...] = (
    C("ps", ("ps -a --filter name=pa-",), "table"),
    C("ps -q", ("ps -q --filter name=pa-run",)),
    C("ps --no-trunc -q", ("ps -a --no-trunc -q --filter name=pa-",), "sorted"),
    C("ps --format", ("ps -a --format {{.Names}}:{{.Status}} --filter name=pa-",), "sorted"),
    C(
        "ps --format table",
        ("ps --format 'table {{.ID}}\\t{{.Names}}\\t{{.Ports}}' --filter name=pa-run",),
        "table",
    ),
    C("ps -n", ("ps -n 1 --format {{.Names}}",)),
    C("ps --format json keys", ("ps --format '{{json .}}' --filter name=pa-run",), "json"),
    C("ps -s", ("ps -s --filter name=pa-run",), "table"),
    C("ps --filter status", ("ps -a -q --filter status=exited --filter name=pa-stopped",)),
    C("ps --filter label", ("ps --format {{.Names}} --filter label=pa=1",)),
    C("images", ("images busybox",), "table"),
    C("images -a --digests", ("images -a --digests busybox",), "table"),
    C("images --no-trunc", ("images --no-trunc -q busybox",)),
    C("images -q", ("images -q busybox",)),
    C("images --format", ("images --format {{.Repository}}:{{.Tag}} busybox",)),
    C("inspect -f (containers)", ("inspect -f {{.State.Status}} pa-run pa-stopped",)),
    C("inspect -f (tagged image)", ("inspect -f {{.Id}} busybox:latest",)),
    C("inspect --type", ("inspect --type network -f {{.Name}} pa-net",)),
    C("inspect, one name bad", ("inspect -f {{.Name}} pa-run no-such-thing",)),
    C("inspect json", ("inspect pa-run",), "json"),
    C("stop (stopped)", ("stop pa-stopped",)),
    C("start (running)", ("start pa-run",)),
    C("start missing", ("start pa-run no-such-container other-missing",)),
    C("stop missing", ("stop pa-stopped no-such-container",)),
    C("kill missing", ("kill no-such-container",)),
    C("rm missing", ("rm no-such-container",)),
    C("rm -f missing", ("rm -f no-such-container",)),
    C("port", ("port pa-run", "port pa-run 80", "port pa-run 80/tcp")),
    C("port unpublished", ("port pa-run 81",)),
    C("top", ("top pa-run",), "processes"),
    C("diff", ("diff pa-stopped",), "sorted"),
    C("logs", ("logs pa-stopped",)),
    C("logs --tail", ("logs -n 1 pa-stopped",)),
    C("logs -t", ("logs -t pa-stopped",)),
    C("logs --since", ("logs --since 2000-01-01T00:00:00Z pa-stopped",)),
    C("top ps options", ("top pa-run -o pid,comm",), "table"),
    C(
        "history -q --no-trunc",
        ("history -q busybox:latest", "history --no-trunc busybox:latest"),
        "table",
    ),
    C("wait", ("wait pa-stopped",)),
    C("exec", ("exec pa-run sh -c 'echo out; echo err >&2; exit 4'",)),
    C("exec -i", ("exec -i pa-run cat",), stdin="piped\n"),
    C("exec -it, stdin not a TTY", ("exec -it pa-run true",)),
    C("run", ("run --rm busybox:latest sh -c 'echo out; echo err >&2; exit 3'",)),
    C("run -i", ("run --rm -i busybox:latest wc -c",), stdin="12345\n"),
    C("run --entrypoint", ("run --rm --entrypoint echo busybox:latest a b",)),
    C("run IMAGE -- ARG (CMD's --)", ("run --rm --entrypoint echo busybox:latest -- a",)),
    C("run -ie=VALUE (a cluster's value)", ("run --rm -ie=A=1 busybox:latest sh -c 'echo $A'",)),
    C("ps -qa=true (a cluster's boolean)", ("ps -qa=true --filter name=pa-stopped",)),
    C("ps -- (nothing after)", ("ps -q --filter name=pa-run --",)),
    C("-- before the command", ("-- ps -q --filter name=pa-run",)),
    C("ps --filter= (none)", ("ps -q --filter= --filter name=pa-run",)),
    C("ps --filter Name= (the key lower-cased)", ("ps -q --filter Name=pa-run",)),
    C("ps --filter name= (an empty value)", ("ps -a -q --filter name= --filter label=pa=1",)),
    C("history -H IMAGE", ("history -H busybox:latest",), "table"),
    C("-h on a command", ("ps -h", "network ls -h", "exec -h"), "none", err=False),
    C("run -a", ("run --rm -a stderr busybox:latest sh -c 'echo out; echo err >&2'",)),
    C("run --network none", ("run --rm --network none busybox:latest ls /sys/class/net",)),
    C("run --name taken", ("run --name pa-run busybox:latest true",)),
    C(
        "run --add-host --dns --hostname",
        (
            "run --rm --hostname hh --add-host foo:10.1.2.3 --dns 10.0.0.53 busybox:latest"
            " sh -c 'hostname; grep foo /etc/hosts; grep nameserver /etc/resolv.conf'",
        ),
    ),
    C(
        "run --tmpfs --ulimit --cap-drop",
        (
            "run --rm --tmpfs /t:size=1m --ulimit nofile=100:200 --cap-drop ALL"
            ' busybox:latest sh -c \'df /t | tail -1 | tr -s " " | cut -d" " -f2; ulimit -n\'',
        ),
    ),
    C("run image missing", ("run --rm 127.0.0.1:9/nothing:here true",)),
    C(
        "stop -t, kill -s",
        (
            "run -d --name pa-{me}-k busybox:latest sleep 300",
            "kill -s SIGUSR1 pa-{me}-k",
            "inspect -f '{{.State.Status}} {{.State.ExitCode}}' pa-{me}-k",
            "run -d --name pa-{me}-s busybox:latest sleep 300",
            "stop -t 0 pa-{me}-s",
            "inspect -f '{{.State.Status}} {{.State.ExitCode}}' pa-{me}-s",
        ),
        cleanup=("rm -f pa-{me}-k pa-{me}-s",),
    ),
    C("exec -e -w -u", ("exec -e A=1 -w /tmp -u 1:2 pa-run sh -c 'echo $A; pwd; id'",)),
    C("exec stopped", ("exec pa-stopped true",)),
    C("run -it, stdin not a TTY", ("run --rm -it busybox:latest true",)),
    C("run missing command", ("run --rm busybox:latest no-such-command",)),
    C("run -e -w -u", ("run --rm -e A=1 -w /tmp -u 1:2 busybox:latest sh -c 'echo $A; pwd; id'",)),
    C(
        "run resources",
        (
            "run --rm --memory 64m --cpus 0.5 --pids-limit 50 --init --privileged"
            " busybox:latest sh -c 'ps -o comm | head -3; ulimit -u'",
        ),
    ),
    C("run -v volume", ("run --rm -v pa-vol:/data busybox:latest ls /data",)),
    C("run --mount", ("run --rm --mount type=volume,src=pa-vol,dst=/d busybox:latest ls /d",)),
    C("run -p", ("run --rm -p 127.0.0.1::80 busybox:latest true",)),
    C(
        "run --restart --read-only",
        (
            "run -d --name pa-{me}-rs --restart on-failure:2 --read-only busybox:latest true",
            "wait pa-{me}-rs",
            "inspect -f '{{.HostConfig.RestartPolicy.Name}}"
            " {{.HostConfig.ReadonlyRootfs}}' pa-{me}-rs",
        ),
        cleanup=("rm -f pa-{me}-rs",),
    ),
    C(
        "create: every flag into HostConfig and Config",
        (
            "create --name pa-{me}-cf -l a=b --stop-signal SIGUSR1 --stop-timeout 3"
            " --shm-size 8m --restart always --memory 64m --memory-swap 128m --cpus 1.5"
            " --cpu-shares 512 --pids-limit 20 --init --privileged --read-only"
            " --health-cmd true --health-interval 5s --log-driver json-file"
            " --log-opt max-size=1m -p 127.0.0.1::90 --expose 91 -v /tmp:/host:ro"
            " --tmpfs /run -e A=1 -w /tmp -u 1:2 --hostname hh --add-host foo:10.1.2.3"
            " --dns 10.0.0.53 --cap-add NET_ADMIN --cap-drop MKNOD --ulimit nofile=100:200"
            " --security-opt no-new-privileges --entrypoint sh --network pa-net"
            " --network-alias al --mount type=volume,src=pa-vol,dst=/v --oom-kill-disable"
            " --sysctl net.ipv4.ip_forward=1 --group-add 5 --cidfile {tmp}/{me}.cid"
            " --domainname dn -it busybox:latest -c true",
            "inspect -f '{{json .HostConfig}}' pa-{me}-cf",
            "inspect -f '{{json .Config}}' pa-{me}-cf",
        ),
        "json=",
        cleanup=("rm -f pa-{me}-cf",),
        note="JSON compared whole ([] and null alike; docker 28 drops the fields its types"
        " no longer have)",
    ),
    C(
        "create: the resource, device and namespace flags",
        (
            "create --name pa-{me}-rf --rm --restart no --runtime runc --userns host"
            " --memory-reservation 10m --memory-swappiness 10 --cpuset-mems 0"
            " --oom-score-adj 100 --blkio-weight 300 --blkio-weight-device /dev/null:200"
            " --device-read-bps /dev/null:1m --device-write-bps /dev/null:2m"
            " --device-read-iops /dev/null:100 --device-write-iops /dev/null:200"
            " --dns-option ndots:2 --cgroupns private --cpu-rt-period 1000 --cpu-rt-runtime 0"
            " --device-cgroup-rule 'c 1:3 mr' --isolation default --volume-driver local"
            " -p 127.0.0.1::92"
            " busybox:latest true",
            "inspect -f '{{json .HostConfig}}' pa-{me}-rf",
        ),
        "json=",
        cleanup=("rm -f pa-{me}-rf",),
        note="JSON compared whole (the sandbox's kernel discards block IO weights: both warn)",
    ),
    C(
        "create --rm (AutoRemove)",
        (
            "create --rm --name pa-{me}-ar busybox:latest true",
            "inspect -f {{.HostConfig.AutoRemove}} pa-{me}-ar",
        ),
        cleanup=("rm -f pa-{me}-ar",),
    ),
    C(
        "create --gpus, no GPU here",
        (
            "create --name pa-{me}-gpu --gpus all busybox:latest true",
            "create --name pa-{me}-gpu2 --gpus '\"device=0,1\",capabilities=utility'"
            " busybox:latest true",
            "inspect -f '{{json .HostConfig.DeviceRequests}}' pa-{me}-gpu pa-{me}-gpu2",
            "run --rm --gpus 1 busybox:latest true",
        ),
        cleanup=("rm -f pa-{me}-gpu pa-{me}-gpu2",),
    ),
    C(
        "create --storage-opt (the daemon's refusal)",
        ("create --storage-opt size=1G busybox:latest",),
    ),
    C(
        "create --ip6 --link-local-ip",
        (
            "create --name pa-{me}-v6c --network pav6 --ip 172.31.0.5 --ip6 fd00:31::5"
            " --link-local-ip 169.254.1.1 --link-local-ip fe80::1 busybox:latest true",
            "inspect -f '{{json .NetworkSettings.Networks.pav6.IPAMConfig}}' pa-{me}-v6c",
        ),
        "json=",
        setup=("network create --ipv6 --subnet 172.31.0.0/24 --subnet fd00:31::/64 pav6",),
        cleanup=("rm -f pa-{me}-v6c", "network rm pav6"),
        note="on one network (created by docker)",
    ),
    C(
        "flags newer than the daemon's API",
        (
            "create --annotation a=b busybox:latest true",
            "run --rm --health-cmd true --health-start-interval 1s busybox:latest true",
        ),
    ),
    C(
        "stop -s, restart -s (API 1.41: no signal sent, as docker)",
        (
            'run -d --name pa-{me}-sig busybox:latest sh -c \'trap "exit 7" TERM;'
            " while :; do sleep 1; done'",
            "stop -s KILL pa-{me}-sig",
            "inspect -f {{.State.ExitCode}} pa-{me}-sig",
            "restart --signal 9 -t 5 pa-{me}-sig",
            "inspect -f {{.State.Running}} pa-{me}-sig",
        ),
        cleanup=("rm -f pa-{me}-sig",),
    ),
    C(
        "logs --details",
        (
            "run --name pa-{me}-det -l pa=x --log-opt labels=pa busybox:latest echo hi",
            "logs --details pa-{me}-det",
            "logs --details -t pa-stopped",
        ),
        cleanup=("rm -f pa-{me}-det",),
    ),
    C(
        "commit -p=false, --pause=false",
        (
            "run -d --name pa-{me}-cp busybox:latest sleep 300",
            "commit -p=false pa-{me}-cp pa-{me}-cp:1",
            "commit --pause=false -m n pa-{me}-cp pa-{me}-cp:2",
            "commit --pause pa-{me}-cp pa-{me}-cp:3",
            "images --format {{.Tag}} pa-{me}-cp",
            "rmi pa-{me}-cp:1 pa-{me}-cp:2 pa-{me}-cp:3",
        ),
        "sorted",
        cleanup=("rm -f pa-{me}-cp",),
    ),
    C(
        "update: block IO, realtime, memory nodes, reservation",
        (
            "run -d --name pa-{me}-up busybox:latest sleep 300",
            "update --blkio-weight 300 --cpuset-mems 0 --memory-reservation 20m"
            " --cpu-rt-period 1000 --cpu-rt-runtime 0 pa-{me}-up",
            "inspect -f '{{.HostConfig.MemoryReservation}} {{.HostConfig.CpusetMems}}"
            " {{.HostConfig.CpuRealtimePeriod}}' pa-{me}-up",
        ),
        cleanup=("rm -f pa-{me}-up",),
    ),
    C("run --pull never", ("run --rm --pull never no-such-image:1 true",)),
    C(
        "run -d, logs",
        ("run -d --name pa-{me}-d busybox:latest echo hi", "wait pa-{me}-d", "logs pa-{me}-d"),
        cleanup=("rm -f pa-{me}-d",),
    ),
    C(
        "create, start -a",
        (
            "create --name pa-{me}-c -e X=1 busybox:latest sh -c 'echo $X; exit 5'",
            "start -a pa-{me}-c",
            "start pa-{me}-c",
            "wait pa-{me}-c",
        ),
        cleanup=("rm -f pa-{me}-c",),
    ),
    C(
        "attach",
        (
            "run -d -i --name pa-{me}-at busybox:latest sh -c 'read x; echo got $x; exit 6'",
            "attach pa-{me}-at",
        ),
        "none",
        stdin="hello\n",
        cleanup=("rm -f pa-{me}-at",),
        note="with piped stdin docker 28 loses the output; nkdocker prints it",
    ),
    C(
        "rename, pause, unpause, restart, update",
        (
            "run -d --name pa-{me}-p busybox:latest sleep 300",
            "rename pa-{me}-p pa-{me}-q",
            "pause pa-{me}-q",
            "inspect -f {{.State.Status}} pa-{me}-q",
            "unpause pa-{me}-q",
            "restart -t 0 pa-{me}-q",
            "update --memory 32m --memory-swap 64m pa-{me}-q",
            "inspect -f {{.HostConfig.Memory}} pa-{me}-q",
            "kill pa-{me}-q",
            "rm pa-{me}-q",
        ),
        cleanup=("rm -f pa-{me}-p pa-{me}-q",),
    ),
    C(
        "cp",
        (
            "cp pa-stopped:/etc/hostname {tmp}/{me}-hostname",
            "cp {tmp}/{me}-hostname pa-stopped:/tmp/pa-{me}-copied",
            "cp pa-stopped:/tmp/pa-{me}-copied {tmp}/{me}-back",
            "cp pa-stopped:/etc {tmp}/{me}-etc",
            "cp pa-stopped:/no-such-file {tmp}/{me}-x",
            "cp {tmp}/no-such-file pa-stopped:/tmp",
        ),
    ),
    C("cp, what was copied", ("diff pa-stopped",), "sorted"),
    C(
        "cp - (a tar on stdin)",
        (
            "cp - pa-run:/tmp",
            "exec pa-run cat /tmp/pa-stdin-file",
            "cp - pa-run:/etc/hostname",
            "cp - pa-run:/no-such",
        ),
        stdin=_tar_text("pa-stdin-file", "from stdin\n"),
        cleanup=("exec pa-run rm -f /tmp/pa-stdin-file",),
    ),
    C("cp - with no tar on stdin", ("cp - pa-run:/tmp",), stdin="garbage\n"),
    C(
        "cp -a, -L, -q",
        (
            "cp -a {tmp}/owned pa-run:/tmp/pa-{me}-owned",
            "cp -L -q {tmp}/link pa-run:/tmp/pa-{me}-followed",
            "cp {tmp}/link pa-run:/tmp/pa-{me}-link",
            "exec pa-run sh -c 'cd /tmp && ls -ln pa-{me}-owned pa-{me}-followed pa-{me}-link'",
            "exec pa-run ln -s /etc/hostname /tmp/pa-{me}-hl",
            "cp -L pa-run:/tmp/pa-{me}-hl {tmp}/{me}-hl",
            "cp -L {tmp}/dangling pa-run:/tmp",
        ),
        cleanup=("exec pa-run sh -c 'rm -f /tmp/pa-{me}-*'",),
        note="owners kept, a link followed (the copy named as the link); no report when"
        " stdout is no terminal",
    ),
    C(
        "cp in a terminal",
        (
            "cp pa-stopped:/etc/hostname {tmp}/{me}-tty",
            "cp -q pa-stopped:/etc/hostname {tmp}/{me}-tty",
            "cp {tmp}/owned pa-run:/tmp/pa-{me}-tty",
        ),
        cleanup=("exec pa-run rm -f /tmp/pa-{me}-tty",),
        tty=True,
        note="the size copied reported, unless -q",
    ),
    C(
        "--detach-keys (no terminal)",
        (
            "run --rm --detach-keys ctrl-x,a busybox:latest echo run",
            "exec --detach-keys ctrl-x pa-run echo exec",
        ),
        note="accepted; the keys are watched with a TTY only (tests/test_cli.py)",
    ),
    C(
        "exec --env-file",
        (
            "exec --env-file {tmp}/env-file -e B=over pa-run sh -c 'echo $A; echo $B; echo $C'",
            "exec --env-file {tmp}/no-such-file pa-run true",
        ),
    ),
    C(
        "commit, tag, history, rmi",
        (
            "run --name pa-{me}-cm busybox:latest sh -c 'echo pa-{me} > /me'",
            "commit -m note pa-{me}-cm pa-{me}-img:1",
            "tag pa-{me}-img:1 pa-{me}-img:2",
            "images --format {{.Repository}}:{{.Tag}} pa-{me}-img",
            "history --format {{.Comment}} pa-{me}-img:1",
            "rmi pa-{me}-img:2 pa-{me}-img:1",
        ),
        cleanup=("rm -f pa-{me}-cm",),
        note="each tool commits its own container (a layer both share is deleted once)",
    ),
    C("history", ("history busybox:latest",), "table"),
    C(
        "history -H=false, CreatedAt",
        ("history -H=false busybox:latest", "history --format '{{.CreatedAt}}' busybox:latest"),
        note="RFC 3339 times",
    ),
    C(
        "wide characters, quoted commands",
        (
            "build -q -t pa-{me}-w:1 {tmp}/ctx-wide",
            "history --format 'table {{.CreatedBy}}\\t{{.Size}}' pa-{me}-w:1",
            "create --name pa-{me}-q busybox:latest echo 'a\"b' 'c\\\\d'",
            "ps -a --filter name=pa-{me}-q --format 'table {{.Command}}\\t{{.Names}}'",
        ),
        cleanup=("rm -f pa-{me}-q", "rmi pa-{me}-w:1"),
        note="columns by display width, commands quoted as Go's %q",
    ),
    C(
        "build",
        (
            "build --no-cache -t pa-{me}-b:1 --label pa-build=pa-{me} --build-arg WHO=pa-{me}"
            " {tmp}/ctx",
            "run --rm pa-{me}-b:1",
            "build -q -t pa-{me}-b:1 --label pa-build=pa-{me} --build-arg WHO=pa-{me} {tmp}/ctx",
        ),
        cleanup=("rmi pa-{me}-b:1", "image prune -f --filter label=pa-build=pa-{me}"),
        note="docker with DOCKER_BUILDKIT=0, its classic builder (its deprecation notice"
        " dropped); the context's size is not compared (our tar holds one more entry)",
    ),
    C(
        "build, resources of RUN",
        (
            "build -q --no-cache -m 64m --memory-swap 128m --shm-size 32m --ulimit nofile=100:200"
            " --add-host pa-host=10.1.2.3 --cgroup-parent pa-parent -c 512 --cpu-period 100000"
            " --cpu-quota 50000 --cpuset-cpus 0 --cpuset-mems 0 --rm=false --force-rm"
            " --iidfile {tmp}/{me}-iid -t pa-{me}-r:1 {tmp}/ctx-limits",
            "run --rm pa-{me}-r:1",
            "build -q --compress --cache-from pa-{me}-r:1 -t pa-{me}-r:2 {tmp}/ctx-limits",
            "ps -a -q --filter ancestor=pa-{me}-r:1",
        ),
        cleanup=("rmi pa-{me}-r:1 pa-{me}-r:2",),
        note="memory, swap, /dev/shm, ulimit, /etc/hosts and the cgroup as RUN saw them;"
        " no intermediate container left",
    ),
    C(
        "build, what the daemon refuses",
        (
            "build --squash {tmp}/ctx",
            "build -q --security-opt seccomp=unconfined {tmp}/ctx",
            "build -q --isolation hyperv {tmp}/ctx",
            "build -q --force-rm -f {tmp}/ctx/Dockerfile.bad {tmp}/ctx",
        ),
        note="--squash refused by the client: the daemon has no experimental features;"
        " -q shows what it held back on stderr when the build fails",
    ),
    C(
        "build - (a Dockerfile on stdin)",
        ("build --no-cache -t pa-{me}-s:1 -", "inspect -f '{{.Config.Labels}}' pa-{me}-s:1"),
        stdin="FROM busybox:latest\nLABEL pa-stdin=1\n",
        cleanup=("rmi pa-{me}-s:1",),
        note="what is no tar is the Dockerfile",
    ),
    C(
        "save, load",
        (
            "tag busybox:latest pa-{me}-save:1",
            "save -o {tmp}/{me}.tar pa-{me}-save:1",
            "rmi pa-{me}-save:1",
            "load -i {tmp}/{me}.tar",
            "rmi pa-{me}-save:1",
        ),
    ),
    C(
        "export, import",
        (
            "run --name pa-{me}-ex busybox:latest sh -c 'echo pa-{me} > /me'",
            "export -o {tmp}/{me}-fs.tar pa-{me}-ex",
            "import {tmp}/{me}-fs.tar pa-{me}-imp:1",
            "run --rm pa-{me}-imp:1 cat /me",
            "rmi pa-{me}-imp:1",
        ),
        cleanup=("rm -f pa-{me}-ex",),
    ),
    C(
        "network",
        (
            "network create --label x=1 pa-{me}-net",
            "network ls -q --filter name=pa-{me}-net",
            "network inspect -f '{{.Name}} {{.Driver}} {{.Internal}}' pa-{me}-net",
            "network connect pa-{me}-net pa-run",
            "network disconnect pa-{me}-net pa-run",
            "network rm pa-{me}-net",
        ),
        cleanup=("network rm pa-{me}-net",),
    ),
    C("network rm, missing or pre-defined", ("network rm bridge no-such-network",)),
    C("network ls", ("network ls --filter name=pa-",), "table"),
    C("network ls --no-trunc", ("network ls --no-trunc -q --filter name=pa-net",)),
    C("network ls --format", ("network ls --format {{.Name}}",), "sorted"),
    C(
        "volume",
        (
            "volume create --label x=1 pa-{me}-vol",
            "volume ls -q --filter name=pa-{me}-vol",
            "volume inspect -f '{{.Name}} {{.Driver}} {{.Labels}}' pa-{me}-vol",
            "volume rm pa-{me}-vol",
            "volume rm pa-{me}-vol",
            "volume rm -f pa-{me}-vol",
        ),
    ),
    C("volume ls", ("volume ls --filter name=pa-",), "table"),
    C(
        "listings --format json keys",
        (
            "images --format '{{json .}}' busybox",
            "volume ls --format '{{json .}}' --filter name=pa-vol",
            "network ls --format '{{json .}}' --filter name=pa-net",
        ),
        "json",
        note="every field docker's rows have",
    ),
    C("inspect --format json", ("volume inspect --format json pa-vol",), note="one line"),
    C(
        "inspect, some missing",
        (
            "volume inspect -f '{{.Name}}' pa-vol nope pa-vol",
            "network inspect -f '{{.Name}}' pa-net nope",
            "volume inspect nope",
        ),
        note="the others shown, exit 1",
    ),
    C(
        "volume ls -q --format",
        (
            "volume ls -q --filter name=pa-",
            "volume ls --format '{{.Name}}:{{.Driver}}' --filter name=pa-",
        ),
    ),
    C(
        "container prune",
        (
            "create --label pa-prune={me} busybox:latest true",
            "container prune -f --filter label=pa-prune={me}",
        ),
    ),
    C("network prune", ("network prune -f --filter label=pa-none",)),
    C("prune prompt, no", ("container prune --filter label=pa-none",)),
    C("prune prompt, yes", ("network prune --filter label=pa-none",), stdin="y\n"),
    C("image prune", ("image prune -f --filter label=pa-none",)),
    C("system df", ("system df", "system df -v"), "table"),
    C("events", ("events --since 0 --until {until} --filter container=pa-stopped",)),
    C(
        "events --format",
        (
            "events --since 0 --until {until} --filter container=pa-stopped --format {{.Action}}",
            "events --since 0 --until {until} --filter container=pa-stopped --format"
            " '{{.ID}} {{.Status}} {{.From}} {{.Scope}} {{.Time}} {{.Actor.ID}} {{json .}}'",
            "events --since 0 --until {until} --filter type=network --filter network=pa-net"
            " --format '{{.Type}} [{{.ID}}] [{{.Status}}] {{.Action}}'",
        ),
        note="docker's field names (a network's event has no ID nor Status)",
    ),
    C("events --since, no time", ("events --since bogus", "events --until 2h30x")),
    C(
        "--format, no such field",
        ("ps -a --format '{{.Nmes}}'", "volume ls --format 'table {{.Name}} {{.Nope}}'"),
        "none",
        err=False,
        note="exit 1; docker names its Go type, nkdocker the fields there are",
    ),
    C("logs --tail, no count", ("logs --tail -1 pa-stopped", "logs --tail abc pa-stopped")),
    C("version -f", ("version -f {{.Server.Version}}",)),
    C("info -f", ("info -f {{.ServerVersion}}",)),
    C("stats --no-stream", ("stats --no-stream pa-run",), "head"),
    C("stats --format", ("stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}' pa-run",)),
    C(
        "stats --format json",
        ("stats --no-stream --format '{{json .}}' pa-run",),
        "json",
        note="docker's fields only (the image and the daemon are monitor's)",
    ),
    C(
        "stats --format, no such field",
        ("stats --no-stream --format '{{.Image}}' pa-run",),
        "none",
        err=False,
        note="exit 1",
    ),
    C(
        "bad template",
        ("ps --format '{{range .}}x{{end}}'",),
        "none",
        err=False,
        note="nkdocker: a clear error for what its subset lacks",
    ),
    C("run -it in a pty", ("run --rm -it busybox:latest sh -c 'tty; exit 3'",), tty=True),
    C("exec -it in a pty", ("exec -it pa-run sh -c 'tty; exit 2'",), tty=True),
)


# Command lines docker refuses before it talks to a daemon: its first stderr line (the
# error, "docker" read as "nkdocker") and exit code are ours; `True`: all of stderr too.
USAGE_ERRORS: tuple[tuple[str, bool], ...] = (
    ("ps --bogus", True),  # unknown flag, reported by the command: 125
    ("--bogus ps", True),
    ("network ls --bogus", True),
    ("ps -Z", True),  # unknown shorthand
    ("ps -qZ", True),
    ("ps -Zq", True),
    ("ps ---x", True),
    ("ps --filter", True),  # a flag missing its value
    ("ps -f", True),
    ("kill -s", True),
    ("-H", True),
    ("ps -n abc", True),  # a value its type refuses
    ("ps -nabc", True),
    ("ps --last=", True),
    ("ps -n 99999999999999999999", True),
    ("stop -t 1.5 x", True),
    ("stop --time abc x", True),
    ("run --cpus abc busybox", True),
    ("run -e =x busybox true", True),  # no KEY: docker's ValidateEnv
    ("exec -e =y c true", True),
    ("ps --all=maybe", True),
    ("ps -a=x", True),
    ("run --rm=maybe busybox", True),
    ("ps --filter foo", True),
    ("ps x", True),  # a wrong count of arguments: 1
    ("ps -a -- x", True),
    ("logs", True),
    ("logs a b", True),
    ("rename a b c", True),
    ("port a b c", True),
    ("run", True),
    ("exec x", True),
    ("inspect", False),  # (docker's usage says NAME|ID)
    ("images a b", False),  # (docker's hint line reads "SRun")
    ("container list x", True),  # an alias: docker names the command by its first name
    ("bogus", True),  # an unknown command: 1
    ("network bogus", True),
    ("run --pull bogus busybox", True),
    ("create --blkio-weight abc busybox", True),  # the values of the newer create flags
    ("run --blkio-weight 70000 busybox", True),
    ("create --blkio-weight-device /dev/sda:5 busybox", True),
    ("create --blkio-weight-device sda:300 busybox", True),
    ("create --device-read-bps /dev/sda:1:2 busybox", True),
    ("create --device-write-bps :1 busybox", True),
    ("create --device-read-iops /dev/sda:1m busybox", True),
    ("create --device-write-iops /dev/sda:-1 busybox", True),
    ("create --gpus bogus busybox", True),
    ("create --gpus all,foo=bar busybox", True),
    ("create --gpus count=1,count=2 busybox", True),
    ("create --gpus= busybox", True),
    ("create --memory-reservation abc busybox", True),
    ("create --memory-swappiness abc busybox", True),
    ("run --memory-swappiness 200 busybox", True),
    ("create --oom-score-adj x busybox", True),
    ("create --cpu-rt-period 1.5 busybox", True),
    ("create --storage-opt size busybox", True),
    ("create --cgroupns bogus busybox", True),
    ("run --userns bogus busybox", True),
    ("create --device-cgroup-rule a busybox", True),
    ("create --health-start-interval 5 busybox", True),
    ("create --health-start-interval -1s busybox", True),
    ("update --blkio-weight x c", True),
    ("update --memory-reservation x c", True),
    ("ps --format -x -a x", True),  # (-x is --format's value: the extra x is the error)
    ("tag a b c --bogus", False),  # tag and commit read no flag after their first argument
    ("commit c r x --bogus", False),
    ("run --rm --", True),  # (a `--` ending the words is no argument)
    ("exec -it --", True),
    ("build -m bogus .", False),  # (docker's usage reads "PATH | URL | -")
    ("build --memory-swap -2 .", False),
    ("build --shm-size 1x .", False),
    ("build --ulimit nofile .", False),
    ("build --ulimit bogus=1 .", False),
    ("build --ulimit nofile=5:2 .", False),
    ("build --ulimit nofile=1:2:3 .", False),
    ("build --ulimit nofile=a .", False),
    ("build --add-host bogus .", False),
    # (the same flag values of run, create and update: one parser each)
    ("run -m 12x busybox true", True),
    ("run --memory-swap 1x busybox true", True),
    ("create --shm-size -5m busybox", True),
    ("create --memory-reservation 2z busybox", True),
    ("run --ulimit nofile=5:2 busybox true", True),
    ("create --ulimit bogus=1 busybox", True),
    ("run --add-host bogus busybox true", True),
    ("update -m 1x c", True),
    ("update --memory-swap 1q c", True),
    ("build --add-host a:bogus .", False),
    ("build -c x .", False),
)


# Command lines docker refuses for what they name, before it dials the daemon: its words
# (ours after our "nkdocker: ", as every error of ours) and exit code are ours (with no
# daemon: not "cannot talk to the daemon").
REFUSED_BEFORE_DIALLING = (
    "build /nonexistent-context",
    "build /etc/hostname",
    "pull -a busybox:1",
    "pull -a busybox@sha256:" + "0" * 64,
    "exec --env-file /nonexistent-env-file x true",
    "push busybox@sha256:" + "0" * 64,
    "swarm ca --ca-cert /nonexistent.pem",
    "-l loud ps",
)
